using Microsoft.Extensions.VectorData;

namespace NormRetrieval.SemanticKernel.Tests;

public sealed class Hotel
{
    [VectorStoreKey]
    public string Id { get; set; } = string.Empty;

    [VectorStoreData(IsIndexed = true)]
    public string? Name { get; set; }

    [VectorStoreData]
    public int Rating { get; set; }

    [VectorStoreData]
    public long Visits { get; set; }

    [VectorStoreData]
    public float Price { get; set; }

    [VectorStoreData]
    public double Score { get; set; }

    [VectorStoreData]
    public bool Open { get; set; }

    [VectorStoreData]
    public DateTimeOffset Opened { get; set; }

    [VectorStoreData]
    public Guid Code { get; set; }

    [VectorStoreData]
    public string[] Tags { get; set; } = [];

    [VectorStoreData]
    public List<string> Rooms { get; set; } = [];

    [VectorStoreData]
    public int? Stars { get; set; }

    [VectorStoreData]
    public double? Discount { get; set; }

    [VectorStoreData]
    public bool? Pets { get; set; }

    [VectorStoreData]
    public DateTimeOffset? Closed { get; set; }

    [VectorStoreVector(4)]
    public float[]? Embedding { get; set; }
}

public sealed class GuidRecord
{
    [VectorStoreKey]
    public Guid Key { get; set; }

    [VectorStoreData]
    public string Text { get; set; } = string.Empty;

    [VectorStoreVector(3)]
    public ReadOnlyMemory<float> Vector { get; set; }
}

public sealed class IntRecord
{
    [VectorStoreKey]
    public int Key { get; set; }

    [VectorStoreData]
    public string Text { get; set; } = string.Empty;

    [VectorStoreVector(3)]
    public Microsoft.Extensions.AI.Embedding<float>? Vector { get; set; }
}

public sealed class LongRecord
{
    [VectorStoreKey]
    public long Key { get; set; }

    [VectorStoreData]
    public string Text { get; set; } = string.Empty;

    [VectorStoreVector(3, DistanceFunction = DistanceFunction.CosineDistance)]
    public float[] Vector { get; set; } = [];
}

/// <summary>A record whose vector is generated from its text.</summary>
public sealed class Passage
{
    [VectorStoreKey]
    public string Id { get; set; } = string.Empty;

    [VectorStoreData]
    public string Text { get; set; } = string.Empty;

    [VectorStoreData]
    public string Source { get; set; } = string.Empty;

    [VectorStoreVector(384)]
    public string? Embedding { get; set; }
}

/// <summary>A record of a real collection: raw 384-d vectors.</summary>
public sealed class Document
{
    [VectorStoreKey]
    public string Id { get; set; } = string.Empty;

    [VectorStoreData]
    public string Text { get; set; } = string.Empty;

    [VectorStoreData]
    public int Bucket { get; set; }

    [VectorStoreData]
    public double Norm { get; set; }

    [VectorStoreVector(384)]
    public float[] Vector { get; set; } = [];
}
