using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Onnx.Runtime;
using NormRetrieval.Onnx.Tokenization;

namespace NormRetrieval.Benchmarks;

/// <summary>
/// The whole encoder pipeline (tokenise → tensors → ONNX Runtime → pooling → norm) against a bare
/// ONNX Runtime <c>Run</c> of the same session on the same batches, tokenised and padded beforehand,
/// and tokenisation alone. One operation is one batch; sentences/s = batch size / time.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 12)]
[MemoryDiagnoser]
public class EncoderBenchmarks
{
    private OnnxEncoder _encoder = null!;
    private string[] _texts = [];
    private TokenizedText[] _tokens = [];
    private long[] _ids = [];
    private long[] _mask = [];
    private long[] _types = [];
    private long[] _shape = [];
    private RunOptions _runOptions = null!;

    [Params("minilm", "arctic-xs")]
    public string Model { get; set; } = "minilm";

    [Params(1, 8, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _encoder = new OnnxEncoder(EncoderModel.Resolve(Model), new OnnxEncoderOptions { ExecutionProvider = ExecutionProvider.Cpu, BatchSize = Batch });
        _texts = BenchmarkTexts.CranfieldQueries(Batch);
        _tokens = [.. _texts.Select(t => _encoder.Tokenizer.Tokenize(t))];
        int length = _tokens.Max(t => t.Count);
        _ids = new long[Batch * length];
        _mask = new long[Batch * length];
        _types = new long[Batch * length];
        for (int r = 0; r < Batch; r++)
        {
            _tokens[r].InputIds.CopyTo(_ids, r * length);
            _mask.AsSpan(r * length, _tokens[r].Count).Fill(1);
        }

        _shape = [Batch, length];
        _runOptions = new RunOptions();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _runOptions.Dispose();
        _encoder.Dispose();
    }

    [Benchmark(Baseline = true, Description = "bare ONNX Runtime Run")]
    public int BareRun()
    {
        var (session, inputs, outputs) = _encoder.Native;
        using var ids = OrtValue.CreateTensorValueFromMemory(_ids, _shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(_mask, _shape);
        using var types = OrtValue.CreateTensorValueFromMemory(_types, _shape);
        OrtValue[] values = inputs.Length == 3 ? [ids, mask, types] : [ids, mask];
        using var result = session.Run(_runOptions, inputs, values, outputs);
        return result[0].GetTensorDataAsSpan<float>().Length;
    }

    [Benchmark(Description = "pipeline (tokenise, run, pool, norm)")]
    public int Pipeline() => _encoder.Encode(_texts).Count;

    [Benchmark(Description = "tokenise only")]
    public int TokenizeOnly()
    {
        int n = 0;
        foreach (string text in _texts)
        {
            n += _encoder.Tokenizer.Tokenize(text).Count;
        }

        return n;
    }
}
