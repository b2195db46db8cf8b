using Microsoft.Extensions.VectorData;

namespace NormRetrieval.Testing;

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

    /// <summary>A hotel with every property set (the nullable ones null) and the given vector (default 1, 2, 3, 4).</summary>
    public static Hotel Sample(string id, params float[] vector) => new()
    {
        Id = id,
        Name = "Hotel " + id,
        Rating = id.Length,
        Visits = 10_000_000_000L + id.Length,
        Price = 99.5f,
        Score = 4.25,
        Open = true,
        Opened = new DateTimeOffset(2020, 5, 17, 10, 30, 0, TimeSpan.FromHours(2)),
        Code = Guid.Parse("8b4f2a5e-4c71-4f9e-9d0a-3c7e5b1f2a6d"),
        Tags = ["pool", "spa"],
        Rooms = ["single", "double"],
        Stars = null,
        Discount = 0.1,
        Pets = null,
        Closed = null,
        Embedding = vector.Length == 0 ? [1, 2, 3, 4] : vector,
    };
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
