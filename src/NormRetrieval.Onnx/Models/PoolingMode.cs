namespace NormRetrieval.Onnx.Models;

/// <summary>How token states become one sentence vector.</summary>
public enum PoolingMode
{
    /// <summary>Attention-masked mean of the last hidden states (all-MiniLM-L6-v2). Ties the norm to text length.</summary>
    Mean,

    /// <summary>The last hidden state of the first token, [CLS] (snowflake-arctic-embed).</summary>
    Cls,
}
