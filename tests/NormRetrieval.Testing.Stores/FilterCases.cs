using System.Linq.Expressions;

namespace NormRetrieval.Testing;

/// <summary>The filter cases every engine must answer exactly, over forty varied hotels (shared with the Garnet tests).</summary>
public static class FilterCases
{
    public static readonly DateTimeOffset Day = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly string Captured = "Name3";
    private static readonly string[] Names = ["Name1", "Name4"];

    /// <summary>Cases every engine supports (named by what they test).</summary>
    public static IReadOnlyDictionary<string, Expression<Func<Hotel, bool>>> Common { get; } = new Dictionary<string, Expression<Func<Hotel, bool>>>
    {
        ["=="] = h => h.Rating == 3,
        ["!="] = h => h.Rating != 3,
        ["<"] = h => h.Price < 10,
        ["<="] = h => h.Visits <= 5000,
        [">"] = h => h.Score > 2.5,
        [">="] = h => h.Rating >= 4,
        ["&&"] = h => h.Open && h.Rating > 1,
        ["||"] = h => h.Rating == 0 || h.Rating == 4,
        ["!"] = h => !(h.Rating == 2),
        ["bool"] = h => h.Open,
        ["!bool"] = h => !h.Open,
        ["== null"] = h => h.Name == null,
        ["!= null"] = h => h.Stars != null,
        ["nullable =="] = h => h.Stars == 2,
        ["nullable != value"] = h => h.Stars != 2,
        ["string =="] = h => h.Name == "Name2",
        ["string !="] = h => h.Name != "Name2",
        ["captured"] = h => h.Name == Captured,
        ["captured member"] = h => h.Rating == Day.Day % 5,
        ["date =="] = h => h.Opened == Day.AddDays(4),
        ["guid =="] = h => h.Code == Guid.Empty,
        ["tags contains"] = h => h.Tags.Contains("pool"),
        ["rooms contains"] = h => h.Rooms.Contains("double"),
        ["array contains"] = h => Names.Contains(h.Name!),
        ["inline array contains"] = h => new[] { 1, 3 }.Contains(h.Rating),
        ["key =="] = h => h.Id == "h05",
        ["key contains"] = h => new[] { "h01", "h02", "zz" }.Contains(h.Id),
        ["reversed"] = h => 3 < h.Rating,
        ["sql injection"] = h => h.Name == "x'); DROP TABLE records_1; --",
        ["sql injection 2"] = h => h.Tags.Contains("\" OR 1=1 --"),
        ["filter injection"] = h => h.Name == "x\" or .Rating > -1 or .Name == \"",
        ["filter injection 2"] = h => h.Tags.Contains("\\\" or 1 == 1 or \"\\"),
    };

    /// <summary>Forty hotels whose properties cycle with different periods, some of them null.</summary>
    public static List<Hotel> Hotels() => [.. Enumerable.Range(0, 40).Select(i =>
    {
        var h = Hotel.Sample("h" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture), (float)Math.Cos(i), (float)Math.Sin(i), i % 3, 1);
        h.Name = i % 7 == 0 ? null : "Name" + (i % 5);
        h.Rating = i % 5;
        h.Visits = i * 1000L;
        h.Price = i * 1.5f;
        h.Score = i / 10.0;
        h.Open = i % 2 == 0;
        h.Opened = Day.AddDays(i).ToOffset(TimeSpan.FromHours(i % 3));
        h.Code = i % 3 == 0 ? Guid.Empty : h.Code;
        h.Tags = i % 4 == 0 ? ["pool"] : ["gym", "bar"];
        h.Stars = i % 6 == 0 ? null : i % 6;
        return h;
    })];
}
