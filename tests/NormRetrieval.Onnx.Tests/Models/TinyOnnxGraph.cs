using System.Text;

namespace NormRetrieval.Onnx.Tests.Models;

/// <summary>
/// Writes a minimal valid ONNX model (protobuf by hand): one Identity node from a float input to a
/// float output, with the input named as asked. A real graph, just not an encoder.
/// </summary>
internal static class TinyOnnxGraph
{
    public static byte[] Identity(string inputName, string outputName)
    {
        byte[] tensorType = Message(
            Varint(1, 1), // elem_type FLOAT
            Field(2, Message(Field(1, Message(Varint(1, 1)))))); // shape { dim { dim_value: 1 } }
        byte[] typeProto = Message(Field(1, tensorType));
        byte[] input = Message(Field(1, System.Text.Encoding.UTF8.GetBytes(inputName)), Field(2, typeProto));
        byte[] output = Message(Field(1, System.Text.Encoding.UTF8.GetBytes(outputName)), Field(2, typeProto));
        byte[] node = Message(
            Field(1, System.Text.Encoding.UTF8.GetBytes(inputName)),
            Field(2, System.Text.Encoding.UTF8.GetBytes(outputName)),
            Field(4, System.Text.Encoding.UTF8.GetBytes("Identity")));
        byte[] graph = Message(Field(1, node), Field(2, System.Text.Encoding.UTF8.GetBytes("g")), Field(11, input), Field(12, output));
        byte[] opset = Message(Field(1, []), Varint(2, 13));
        return Message(Varint(1, 8), Field(7, graph), Field(8, opset));
    }

    private static byte[] Message(params byte[][] fields) => [.. fields.SelectMany(f => f)];

    private static byte[] Varint(int field, ulong value) => [.. Key(field, 0), .. VarintBytes(value)];

    private static byte[] Field(int field, byte[] payload) => [.. Key(field, 2), .. VarintBytes((ulong)payload.Length), .. payload];

    private static byte[] Key(int field, int wireType) => VarintBytes((ulong)((field << 3) | wireType));

    private static byte[] VarintBytes(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return [.. bytes];
    }
}
