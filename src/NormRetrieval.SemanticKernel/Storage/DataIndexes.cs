using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.Data.Sqlite;

namespace NormRetrieval.SemanticKernel.Storage;

/// <summary>
/// SQLite expression indexes on the data properties a definition marks <c>IsIndexed</c>: a filter on such a property
/// (<c>json_extract(data, '$."Name"')</c>, written with the same literal path) reads the matching rows through the
/// index instead of parsing every row's JSON.
/// </summary>
internal static class DataIndexes
{
    /// <summary>
    /// The SQL expression that reads a data property (storage names never contain '"': the pipeline refuses them). It
    /// never fails: a row whose JSON is damaged reads as null here — so that keeping the index up to date, and deleting
    /// or replacing the damaged row to repair it, still work — and the row's checksum refuses it when it is fetched.
    /// </summary>
    public static string Expression(string storageName) =>
        "CASE WHEN json_valid(data) THEN json_extract(data, '$.\"" + storageName.Replace("'", "''", StringComparison.Ordinal) + "\"') END";

    /// <summary>The index's name: derived from the table and a hash of the storage name, never from the user's text.</summary>
    public static string Name(CollectionInfo info, string storageName) =>
        info.Table + "_d" + XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(storageName)).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>Creates the index of a property unless it exists (in the caller's transaction).</summary>
    public static void Ensure(SqliteConnection connection, SqliteTransaction tx, CollectionInfo info, string storageName)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"CREATE INDEX IF NOT EXISTS {Name(info, storageName)} ON {info.Table} ({Expression(storageName)});";
        command.ExecuteNonQuery();
    }
}
