using System.Linq.Expressions;
using Microsoft.Extensions.VectorData;

#pragma warning disable CS8605 // Unboxing a possibly null value: the dynamic filters mirror the typed ones.
#pragma warning disable CS0252 // Reference comparison of object with string: what a dynamic filter on a string looks like.

namespace NormRetrieval.Testing.Contract;

/// <summary>
/// Filters with C# semantics, typed and dynamic: each case runs as a vector search filter on a typed and on
/// a dynamic collection over the same five records, and must return exactly what LINQ to objects returns
/// on those records (nulls included). Unsupported shapes must throw <see cref="NotSupportedException"/>.
/// </summary>
public abstract class FilterContractTests(FilterContractTests.Fixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task Equal_int() => Check(r => r.Int == 8, r => (int)r["Int"] == 8);

    [Fact]
    public Task Equal_string() => Check(r => r.String == "foo", r => r["String"] == "foo");

    [Fact]
    public Task Equal_reversed() => Check(r => 8 == r.Int, r => 8 == (int)r["Int"]);

    [Fact]
    public Task Equal_special_characters() => CheckBackslash(r => r.String == Special, r => r["String"] == Special);

    [Fact]
    public Task Equal_injection_in_value_matches_nothing()
    {
        string value = "foo\" or 1 == 1 or \"'; DROP TABLE collections; --";
        return Check(r => r.String == value, r => r["String"] == value, zero: true);
    }

    [Fact]
    public Task Equal_null() => Check(r => r.String == null, r => r["String"] == null);

    [Fact]
    public Task Equal_null_captured()
    {
        string? s = null;
        return Check(r => r.String == s, r => r["String"] == s);
    }

    [Fact]
    public Task Equal_nullable_int_holding_null_matches_nothing()
    {
        int? i = null;
        return Check(r => r.Int == i, r => (int)r["Int"] == i, zero: true);
    }

    [Fact]
    public Task NotEqual_string_keeps_nulls() => Check(r => r.String != "foo", r => r["String"] != "foo");

    [Fact]
    public Task NotEqual_null() => Check(r => r.String != null, r => r["String"] != null);

    [Fact]
    public Task Ordering_on_ints() => Check(r => r.Int > 8 && r.Int <= 10, r => (int)r["Int"] > 8 && (int)r["Int"] <= 10);

    [Fact]
    public Task Bool() => Check(r => r.Bool, r => (bool)r["Bool"]);

    [Fact]
    public Task Departure_4_dynamic_bool_with_And_Or_Not() =>
        Check(r => (r.Bool && r.Bool) || !(r.Int == 9 || !r.Bool), r => ((bool)r["Bool"] && (bool)r["Bool"]) || !((int)r["Int"] == 9 || !(bool)r["Bool"]));

    [Fact]
    public Task Departure_4_dynamic_not_bool() => Check(r => !r.Bool, r => !(bool)r["Bool"]);

    [Fact]
    public Task Bool_or_not_bool_is_everything() => Check(r => r.Bool || !r.Bool, r => (bool)r["Bool"] || !(bool)r["Bool"], all: true);

    [Fact]
    public Task Departure_3_Not_over_Or_keeps_the_record_whose_string_is_null() =>
        Check(r => !(r.Int == 8 || r.String == "foo"), r => !((int)r["Int"] == 8 || r["String"] == "foo"));

    [Fact]
    public Task Departure_3_Not_over_And_with_null() =>
        Check(r => !(r.Int2 >= 100 && r.String != "foo"), r => !((int)r["Int2"] >= 100 && r["String"] != "foo"));

    [Fact]
    public Task Departure_3_Not_over_NotEqual_with_null() => Check(r => !(r.String != "foo"), r => !(r["String"] != "foo"));

    [Fact]
    public Task Contains_over_string_array_property() => Check(r => r.StringArray.Contains("x"), r => ((string[])r["StringArray"]!).Contains("x"));

    [Fact]
    public Task Contains_over_string_list_property() => Check(r => r.StringList.Contains("x"), r => ((List<string>)r["StringList"]!).Contains("x"));

    [Fact]
    public Task Contains_over_inline_array() => Check(r => new[] { 8, 10 }.Contains(r.Int), r => new[] { 8, 10 }.Contains((int)r["Int"]));

    [Fact]
    public Task Contains_over_captured_strings_with_odd_characters()
    {
        string[] values = ["foo", "un  , ' \"", Special];
        return CheckBackslash(r => values.Contains(r.String), r => values.Contains(r["String"]));
    }

    [Fact]
    public Task Contains_over_captured_strings_holding_null()
    {
        string?[] values = ["bar", null];
        return Check(r => values.Contains(r.String), r => values.Contains(r["String"]));
    }

    [Fact]
    public Task Departure_5_Any_Contains_over_inline_array() =>
        Check(r => r.StringArray.Any(s => new[] { "x", "z", "nonexistent" }.Contains(s)), r => ((string[])r["StringArray"]!).Any(s => new[] { "x", "z", "nonexistent" }.Contains(s)));

    [Fact]
    public Task Departure_5_Any_Contains_over_captured_array()
    {
        string[] tags = ["z", "b"];
        return Check(r => r.StringArray.Any(s => tags.Contains(s)), r => ((string[])r["StringArray"]!).Any(s => tags.Contains(s)));
    }

    [Fact]
    public Task Departure_5_Any_Contains_over_captured_list()
    {
        List<string> tags = ["z", "b"];
        return Check(r => r.StringArray.Any(s => tags.Contains(s)), r => ((string[])r["StringArray"]!).Any(s => tags.Contains(s)));
    }

    [Fact]
    public Task Departure_5_Any_over_list_property()
    {
        string[] tags = ["a", "q"];
        return Check(r => r.StringList.Any(s => tags.Contains(s)), r => ((List<string>)r["StringList"]!).Any(s => tags.Contains(s)));
    }

    [Fact]
    public Task Captured_members_and_nested_access()
    {
        var holder = new { Inner = new { Value = 9 } };
        return Check(r => r.Int == holder.Inner.Value || r.Int2 == _memberField, r => (int)r["Int"] == holder.Inner.Value || (int)r["Int2"] == _memberField);
    }

    [Fact]
    public Task True_is_everything() => Check(r => true, r => true, all: true);

    [Fact]
    public async Task Departure_2_list_equality_is_not_supported()
    {
        string[] value = ["x", "y"];
        var typed = await Assert.ThrowsAsync<NotSupportedException>(() => Search(fixture.Typed, r => r.StringArray == value));
        Assert.Contains("StringArray", typed.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotSupportedException>(() => Search(fixture.Dynamic, r => r["StringArray"] == value));
        await Assert.ThrowsAsync<NotSupportedException>(() => fixture.Typed.GetAsync(r => r.StringList != new List<string>(), 5, cancellationToken: Ct).ToListAsync(Ct).AsTask());
    }

    [Fact]
    public async Task Unsupported_shapes_throw_NotSupportedException()
    {
        await Assert.ThrowsAsync<NotSupportedException>(() => Search(fixture.Typed, r => r.String!.StartsWith('f')));
        await Assert.ThrowsAsync<NotSupportedException>(() => Search(fixture.Typed, r => r.Int + r.Int2 == 88));
        await Assert.ThrowsAsync<NotSupportedException>(() => Search(fixture.Typed, r => r.StringArray.Any(s => s == "x")));
    }

    [Fact]
    public async Task A_dynamic_filter_naming_no_property_throws_InvalidOperationException() =>
        await Assert.ThrowsAsync<InvalidOperationException>(() => Search(fixture.Dynamic, r => r["String = \"x\"; DROP TABLE collections; --"] == ""));

    [Fact]
    public async Task Filtered_get_agrees_with_filtered_search()
    {
        Expression<Func<FilterRecord, bool>> filter = r => !(r.Int == 8 || r.String == "foo");
        if (!fixture.Store.SupportsFilteredGet)
        {
            await Assert.ThrowsAsync<NotSupportedException>(() => fixture.Typed.GetAsync(filter, 10, cancellationToken: Ct).ToListAsync(Ct).AsTask());
            return;
        }

        var expected = fixture.Records.AsQueryable().Where(filter).Select(r => r.Key).Order().ToList();
        var actual = await fixture.Typed.GetAsync(filter, 10, cancellationToken: Ct).Select(r => r.Key).ToListAsync(Ct);
        Assert.Equal(expected, actual.Order());
    }

#pragma warning disable IDE0044, CA1805 // A mutable instance field, as a captured member.
    private int _memberField = 80;
#pragma warning restore IDE0044, CA1805

    private const string Special = ">with $om[ specia]\"chara<ters'and\\stuff";

    /// <summary>A case comparing with a string that holds a backslash: answered exactly, or refused where unsupported.</summary>
    private async Task CheckBackslash(Expression<Func<FilterRecord, bool>> filter, Expression<Func<Dictionary<string, object?>, bool>> dynamicFilter)
    {
        if (fixture.Store.SupportsBackslashInFilters)
        {
            await Check(filter, dynamicFilter);
            return;
        }

        await Assert.ThrowsAsync<NotSupportedException>(() => Search(fixture.Typed, filter));
        await Assert.ThrowsAsync<NotSupportedException>(() => Search(fixture.Dynamic, dynamicFilter));
    }

    private async Task Check(Expression<Func<FilterRecord, bool>> filter, Expression<Func<Dictionary<string, object?>, bool>> dynamicFilter, bool zero = false, bool all = false)
    {
        var expected = fixture.Records.AsQueryable().Where(filter).Select(r => r.Key).Order().ToList();

        // A case that matches nothing or everything proves little unless it is meant to.
        Assert.True(zero == (expected.Count == 0), $"the case matches {expected.Count} records");
        Assert.True(all == (expected.Count == fixture.Records.Count), $"the case matches {expected.Count} of {fixture.Records.Count} records");

        var typed = await Search(fixture.Typed, filter);
        Assert.Equal(expected, typed.Select(r => r.Key).Order());
        foreach (var r in typed)
        {
            Assert.Equivalent(fixture.Records.Single(x => x.Key == r.Key), r, strict: true);
        }

        var dynamic = await Search(fixture.Dynamic, dynamicFilter);
        Assert.Equal(expected, dynamic.Select(r => (string)r["Key"]!).Order());
        foreach (var d in dynamic)
        {
            var e = fixture.Records.Single(x => x.Key == (string)d["Key"]!);
            Assert.Equal(e.String, d["String"]);
            Assert.Equal(e.Bool, d["Bool"]);
            Assert.Equal(e.StringArray, (string[])d["StringArray"]!);
        }
    }

    private static Task<List<TRecord>> Search<TKey, TRecord>(VectorStoreCollection<TKey, TRecord> collection, Expression<Func<TRecord, bool>> filter)
        where TKey : notnull
        where TRecord : class =>
        collection.SearchAsync(new ReadOnlyMemory<float>([1, 2, 3]), 10, new VectorSearchOptions<TRecord> { Filter = filter }, Ct).Select(r => r.Record).ToListAsync(Ct).AsTask();

    /// <summary>The record filtered on.</summary>
    public sealed class FilterRecord
    {
        public string Key { get; set; } = "";

        public ReadOnlyMemory<float>? Vector { get; set; }

        public int Int { get; set; }

        public string? String { get; set; }

        public bool Bool { get; set; }

        public int Int2 { get; set; }

        public string[] StringArray { get; set; } = [];

        public List<string> StringList { get; set; } = [];
    }

    /// <summary>Five records with the same vector in one collection, seen typed and dynamic.</summary>
    public abstract class Fixture : IAsyncLifetime
    {
        public abstract ContractStore Store { get; }

        public VectorStoreCollection<string, FilterRecord> Typed { get; private set; } = null!;

        public VectorStoreCollection<object, Dictionary<string, object?>> Dynamic { get; private set; } = null!;

        public IReadOnlyList<FilterRecord> Records { get; } =
        [
            new() { Key = "r1", Int = 8, String = "foo", Bool = true, Int2 = 80, StringArray = ["x", "y"], StringList = ["x", "y"] },
            new() { Key = "r2", Int = 9, String = "bar", Bool = false, Int2 = 90, StringArray = ["a", "b"], StringList = ["a", "b"] },
            new() { Key = "r3", Int = 9, String = "foo", Bool = true, Int2 = 9, StringArray = ["x"], StringList = ["x"] },
            new() { Key = "r4", Int = 10, String = null, Bool = false, Int2 = 100, StringArray = ["x", "y", "z"], StringList = ["x", "y", "z"] },
            new() { Key = "r5", Int = 11, String = Special, Bool = true, Int2 = 101, StringArray = ["y", "z"], StringList = ["y", "z"] },
        ];

        public static VectorStoreCollectionDefinition Definition => new()
        {
            Properties =
            [
                new VectorStoreKeyProperty("Key", typeof(string)),
                new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>?), 3),
                new VectorStoreDataProperty("Int", typeof(int)) { IsIndexed = true },
                new VectorStoreDataProperty("String", typeof(string)) { IsIndexed = true },
                new VectorStoreDataProperty("Bool", typeof(bool)) { IsIndexed = true },
                new VectorStoreDataProperty("Int2", typeof(int)) { IsIndexed = true },
                new VectorStoreDataProperty("StringArray", typeof(string[])) { IsIndexed = true },
                new VectorStoreDataProperty("StringList", typeof(List<string>)) { IsIndexed = true },
            ],
        };

        public async ValueTask InitializeAsync()
        {
            string name = Store.NewName("filters");
            Typed = Store.Store.GetCollection<string, FilterRecord>(name, Definition);
            Dynamic = Store.Store.GetDynamicCollection(name, Definition);
            await Typed.EnsureCollectionExistsAsync();
            foreach (var r in Records)
            {
                r.Vector = new ReadOnlyMemory<float>([1, 2, 3]);
            }

            await Typed.UpsertAsync(Records);
            foreach (var r in Records)
            {
                r.Vector = null;
            }
        }

        public ValueTask DisposeAsync()
        {
            GC.SuppressFinalize(this);
            return ValueTask.CompletedTask;
        }
    }
}
