using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace NormRetrieval.SemanticKernel.Storage;

/// <summary>
/// The SQLite FTS5 tables of one collection, one per full-text indexed property (<c>IsFullTextIndexed</c>):
/// table <c>fts_{collection id}_{hash of the property's storage name}</c>, rowid = the record's id, tokenizer
/// <c>porter unicode61 remove_diacritics 2</c> (Unicode words, case and accents folded, English stemming).
/// Every change is made in the transaction that changes the rows, so a crash, a rollback or a restore keeps
/// both in step. A table is created (and filled from the rows already stored) the first time a definition
/// declares its property full-text indexed.
/// </summary>
internal static class FullTextIndex
{
    /// <summary>The tokenizer of every full-text table.</summary>
    public const string Tokenizer = "porter unicode61 remove_diacritics 2";

    /// <summary>The table of a property of a collection.</summary>
    public static string TableName(CollectionInfo info, string storageName) =>
        string.Create(CultureInfo.InvariantCulture, $"fts_{info.Id}_{System.IO.Hashing.XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(storageName)):x8}");

    /// <summary>The full-text tables a collection has.</summary>
    public static List<string> Tables(SqliteConnection connection, SqliteTransaction? tx, CollectionInfo info)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE $prefix ESCAPE '\\' AND sql LIKE 'CREATE VIRTUAL TABLE%';";
        command.Parameters.AddWithValue("$prefix", string.Create(CultureInfo.InvariantCulture, $"fts\\_{info.Id}\\_%"));
        using var reader = command.ExecuteReader();
        var tables = new List<string>();
        while (reader.Read())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    /// <summary>Creates a property's table when missing and fills it from the stored rows; returns whether it was created.</summary>
    public static bool Ensure(SqliteConnection connection, SqliteTransaction tx, CollectionInfo info, string storageName)
    {
        string table = TableName(info, storageName);
        if (Tables(connection, tx, info).Contains(table))
        {
            return false;
        }

        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"""
            CREATE VIRTUAL TABLE {table} USING fts5(body, tokenize = '{Tokenizer}');
            INSERT INTO {table} (rowid, body) SELECT id, json_extract(data, $path) FROM {info.Table} WHERE json_type(data, $path) = 'text';
            """;
        command.Parameters.AddWithValue("$path", JsonPath(storageName));
        command.ExecuteNonQuery();
        return true;
    }

    /// <summary>Indexes the text of a property for the given rows (just inserted, in the caller's transaction).</summary>
    public static void Add(SqliteConnection connection, SqliteTransaction tx, CollectionInfo info, string storageName, IReadOnlyList<long> ids)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"INSERT INTO {TableName(info, storageName)} (rowid, body) SELECT id, json_extract(data, $path) FROM {info.Table} WHERE id IN (SELECT value FROM json_each($ids)) AND json_type(data, $path) = 'text';";
        command.Parameters.AddWithValue("$path", JsonPath(storageName));
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(ids));
        command.ExecuteNonQuery();
    }

    /// <summary>Removes rows from every full-text table of the collection.</summary>
    public static void Remove(SqliteConnection connection, SqliteTransaction tx, CollectionInfo info, IReadOnlyList<long> ids)
    {
        if (ids.Count == 0)
        {
            return;
        }

        foreach (string table in Tables(connection, tx, info))
        {
            using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = $"DELETE FROM {table} WHERE rowid IN (SELECT value FROM json_each($ids));";
            command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(ids));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// The best <paramref name="limit"/> rows for a keyword query by BM25 (k1 = 1.2, b = 0.75), optionally only rows
    /// a filter matches; scores are −bm25 (higher is better).
    /// </summary>
    public static List<(long Id, double Score)> Search(
        SqliteConnection connection, CollectionInfo info, string storageName, string match, (string Sql, IReadOnlyList<SqliteParameter> Parameters)? filter, int limit)
    {
        string table = TableName(info, storageName);
        using var command = connection.CreateCommand();
        // Without a filter the rows need not be joined: the full-text table changes in the rows' transactions, so
        // every entry has its row (verify checks it); joining every match before the sort would double the cost.
        command.CommandText = filter is null
            ? $"SELECT rowid, bm25({table}) AS rank FROM {table} WHERE {table} MATCH $match ORDER BY rank, rowid LIMIT $limit;"
            : $"""
                SELECT f.rowid, bm25({table}) AS rank FROM {table} AS f JOIN {info.Table} ON {info.Table}.id = f.rowid
                WHERE {table} MATCH $match AND ({filter.Value.Sql})
                ORDER BY rank, f.rowid LIMIT $limit;
                """;
        command.Parameters.AddWithValue("$match", match);
        command.Parameters.AddWithValue("$limit", limit);
        if (filter is not null)
        {
            command.Parameters.AddRange(filter.Value.Parameters.Select(p => new SqliteParameter(p.ParameterName, p.Value)));
        }

        var hits = new List<(long, double)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            hits.Add((reader.GetInt64(0), -reader.GetDouble(1)));
        }

        return hits;
    }

    /// <summary>Problems of a collection's full-text tables: FTS5's own integrity check, and rows that are missing or extra.</summary>
    public static List<string> Verify(SqliteConnection connection, CollectionInfo info)
    {
        var problems = new List<string>();
        foreach (string table in Tables(connection, null, info))
        {
            using var command = connection.CreateCommand();
            try
            {
                command.CommandText = $"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1);";
                command.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode is 11 or 267 or 8)
            {
                // 8: read-only store, where the check cannot run (it is written as an INSERT); 11/267: damage.
                if (ex.SqliteErrorCode != 8)
                {
                    problems.Add($"full-text table {table}: {ex.Message}");
                }
            }

            command.CommandText = $"SELECT (SELECT COUNT(*) FROM {table} WHERE rowid NOT IN (SELECT id FROM {info.Table}));";
            long orphans = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (orphans > 0)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"full-text table {table}: {orphans} entries of records that no longer exist"));
            }
        }

        return problems;
    }

    /// <summary>
    /// Turns keywords into an FTS5 query that is never parsed as FTS5 syntax: each keyword is split into words
    /// (runs of letters, digits and marks, as the tokenizer splits text), each word is quoted as an FTS5 string,
    /// and the words are joined with OR, so that <c>NEAR</c>, <c>AND</c>, <c>"</c>, <c>*</c>, <c>^</c> or
    /// <c>column:</c> are only ever literal words or separators. Null when no keyword holds a word.
    /// </summary>
    public static string? Match(IEnumerable<string> keywords)
    {
        var words = new List<string>();
        foreach (string keyword in keywords)
        {
            var word = new StringBuilder();
            foreach (var rune in (keyword ?? string.Empty).EnumerateRunes())
            {
                if (Rune.IsLetterOrDigit(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
                {
                    word.Append(rune.ToString());
                }
                else
                {
                    Flush(word, words);
                }
            }

            Flush(word, words);
        }

        return words.Count == 0 ? null : string.Join(" OR ", words.Distinct(StringComparer.Ordinal).Select(w => "\"" + w + "\""));
    }

    private static void Flush(StringBuilder word, List<string> words)
    {
        if (word.Length > 0)
        {
            words.Add(word.ToString());
            word.Clear();
        }
    }

    private static string JsonPath(string storageName) => "$.\"" + storageName + "\"";
}
