using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using NormRetrieval.VectorData.ProviderServices;

namespace NormRetrieval.SemanticKernel.Storage;

/// <summary>
/// A row as stored: id, key, data JSON, raw norm, token count and unit direction; <paramref name="Intact"/> is false
/// when the row's bytes no longer match the checksum it was written with.
/// </summary>
internal sealed record StoredRow(long Id, string Key, string Data, double Norm, int? Tokens, byte[] Direction, bool Intact);

/// <summary>A row with its cosine similarity to a query.</summary>
internal sealed record CandidateRow(long Id, string Key, string Data, double Norm, int? Tokens, double Cosine, byte[] Direction, bool Intact);

/// <summary>
/// Every SQL statement on one collection's records table, in one place (modelled on Semantic Kernel's
/// SqliteCommandBuilder): the table name comes from the collection's numeric id, values and filter
/// parameters are always bound, never spliced.
/// </summary>
/// <param name="info">The collection.</param>
/// <param name="hasChecksums">False only for a read-only open of a table written before rows carried checksums.</param>
internal sealed class RecordTable(CollectionInfo info, bool hasChecksums = true)
{
    private readonly string _columns = "id, key, data, norm, tokens, direction, " + (hasChecksums ? "checksum" : "NULL AS checksum");

    private readonly string _table = info.Table;

    /// <summary>The number of rows.</summary>
    public long Count(SqliteConnection connection) => Scalar(connection, $"SELECT COUNT(*) FROM {_table};");

    /// <summary>Whether any row exists.</summary>
    public bool HasRows(SqliteConnection connection) => Scalar(connection, $"SELECT EXISTS (SELECT 1 FROM {_table});") != 0;

    /// <summary>The rows with the given keys (directions read only when asked for).</summary>
    public List<StoredRow> ByKeys(SqliteConnection connection, string[] keys, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {_columns} FROM {_table} WHERE key IN (SELECT value FROM json_each($keys));";
        command.Parameters.AddWithValue("$keys", JsonSerializer.Serialize(keys));
        return Read(command, cancellationToken);
    }

    /// <summary>The rows a translated filter matches, in the order asked for, paged.</summary>
    public List<StoredRow> Where<TRecord>(
        SqliteConnection connection, (string Sql, IReadOnlyList<SqliteParameter> Parameters) filter, FilteredRecordRetrievalOptions<TRecord> options, CollectionModel model, int top, CancellationToken cancellationToken)
    {
        var (orderBy, orderParameters) = OrderBy(options, model);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {_columns} FROM {_table} WHERE {filter.Sql} ORDER BY {orderBy}id LIMIT $top OFFSET $skip;";
        command.Parameters.AddRange(Clone(filter.Parameters));
        command.Parameters.AddRange(orderParameters);
        command.Parameters.AddWithValue("$top", top);
        command.Parameters.AddWithValue("$skip", options.Skip);
        return Read(command, cancellationToken);
    }

    /// <summary>How many rows a translated filter matches.</summary>
    public long CountWhere(SqliteConnection connection, (string Sql, IReadOnlyList<SqliteParameter> Parameters) filter)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {_table} WHERE {filter.Sql};";
        command.Parameters.AddRange(Clone(filter.Parameters));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>The ids of the rows a filter matches (read through the properties' indexes where they have them; no vectors).</summary>
    public List<long> IdsWhere(SqliteConnection connection, (string Sql, IReadOnlyList<SqliteParameter> Parameters) filter, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id FROM {_table} WHERE {filter.Sql};";
        command.Parameters.AddRange(Clone(filter.Parameters));
        var ids = new List<long>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
            if ((ids.Count & 65535) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        return ids;
    }

    /// <summary>Scores every row a filter matches against a query (an exact filtered search).</summary>
    public List<CandidateRow> ScanWhere(SqliteConnection connection, (string Sql, IReadOnlyList<SqliteParameter> Parameters) filter, float[] query, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {_columns} FROM {_table} WHERE {filter.Sql};";
        command.Parameters.AddRange(Clone(filter.Parameters));
        var rows = new List<CandidateRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if ((rows.Count & 1023) == 1023)
            {
                // A filtered scan can read every row: it stops between chunks when cancelled.
                cancellationToken.ThrowIfCancellationRequested();
            }

            var row = Row(reader);
            rows.Add(Candidate(row, TensorPrimitives.Dot(query, MemoryMarshal.Cast<byte, float>(row.Direction))));
        }

        return rows;
    }

    /// <summary>The rows of index hits (optionally also matching a filter), with the hits' cosines.</summary>
    public List<CandidateRow> Hits(SqliteConnection connection, Dictionary<long, float> cosines, (string Sql, IReadOnlyList<SqliteParameter> Parameters)? filter)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {_columns} FROM {_table} WHERE id IN (SELECT value FROM json_each($ids)){(filter is null ? string.Empty : " AND " + filter.Value.Sql)};";
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(cosines.Keys));
        if (filter is not null)
        {
            command.Parameters.AddRange(Clone(filter.Value.Parameters));
        }

        var rows = new List<CandidateRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            // The direction is read even when the caller does not return vectors: the row's checksum covers it.
            var row = Row(reader);
            rows.Add(Candidate(row, cosines[row.Id]));
        }

        return rows;
    }

    /// <summary>The rows with the given ids, each scored against a query by its stored direction.</summary>
    public List<CandidateRow> Scored(SqliteConnection connection, IEnumerable<long> ids, float[] query)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {_columns} FROM {_table} WHERE id IN (SELECT value FROM json_each($ids));";
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(ids));
        var rows = new List<CandidateRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var row = Row(reader);
            double cosine = row.Direction.Length == query.Length * sizeof(float) ? TensorPrimitives.Dot(query, MemoryMarshal.Cast<byte, float>(row.Direction)) : double.NaN;
            rows.Add(Candidate(row, cosine));
        }

        return rows;
    }

    /// <summary>Streams every row, checked against its checksum (for verification).</summary>
    public void ForEach(SqliteConnection connection, SqliteTransaction? tx, Action<StoredRow> visit, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"SELECT {_columns} FROM {_table};";
        using var reader = command.ExecuteReader();
        long count = 0;
        while (reader.Read())
        {
            if ((++count & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            visit(Row(reader));
        }
    }

    /// <summary>Every row's id, norm and token count.</summary>
    public List<(long Id, double Norm, int? Tokens)> Norms(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, norm, tokens FROM {_table};";
        using var reader = command.ExecuteReader();
        var rows = new List<(long, double, int?)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), reader.GetDouble(1), reader.IsDBNull(2) ? null : reader.GetInt32(2)));
        }

        return rows;
    }

    /// <summary>The number of rows and the largest id (0 when empty): what changes with every write, since ids are never reused.</summary>
    public (long Count, long MaxId) Fingerprint(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        // Two subqueries: alone, COUNT(*) takes SQLite's b-tree count and MAX(id) one seek; together they scan an index.
        command.CommandText = $"SELECT (SELECT COUNT(*) FROM {_table}), (SELECT IFNULL(MAX(id), 0) FROM {_table});";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Every id.</summary>
    public HashSet<long> Ids(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id FROM {_table};";
        using var reader = command.ExecuteReader();
        var ids = new HashSet<long>();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
            if ((ids.Count & 65535) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        return ids;
    }

    /// <summary>The directions of the given ids.</summary>
    public (long[] Ids, float[] Directions) Directions(SqliteConnection connection, long[] ids, int dimension)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, direction FROM {_table} WHERE id IN (SELECT value FROM json_each($ids));";
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(ids));
        var found = new List<long>(ids.Length);
        var directions = new List<float>(ids.Length * dimension);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            found.Add(reader.GetInt64(0));
            directions.AddRange(MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(1)));
        }

        return ([.. found], [.. directions]);
    }

    /// <summary>Streams every row's id and direction in chunks (the lists are reused between calls).</summary>
    public void AllDirections(SqliteConnection connection, int chunk, Action<List<long>, List<float>> consume)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, direction FROM {_table};";
        using var reader = command.ExecuteReader();
        var ids = new List<long>();
        var directions = new List<float>();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
            directions.AddRange(MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(1)));
            if (ids.Count == chunk)
            {
                consume(ids, directions);
                ids.Clear();
                directions.Clear();
            }
        }

        consume(ids, directions);
    }

    /// <summary>Deletes the rows with the given keys; each removed row is reported before it goes.</summary>
    public List<long> DeleteKeys(SqliteConnection connection, SqliteTransaction tx, string[] keys, Action<StoredRow> removing)
    {
        var removed = new List<long>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = tx;
            select.CommandText = $"SELECT {_columns} FROM {_table} WHERE key IN (SELECT value FROM json_each($keys));";
            select.Parameters.AddWithValue("$keys", JsonSerializer.Serialize(keys));
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var row = Row(reader);
                removing(row);
                removed.Add(row.Id);
            }
        }

        if (removed.Count > 0)
        {
            using var delete = connection.CreateCommand();
            delete.Transaction = tx;
            delete.CommandText = $"DELETE FROM {_table} WHERE id IN (SELECT value FROM json_each($ids));";
            delete.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(removed));
            delete.ExecuteNonQuery();
        }

        return removed;
    }

    /// <summary>Inserts prepared records with new ids; each inserted record is reported.</summary>
    public List<long> Insert(SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<PreparedRecord> records, Action<PreparedRecord> inserted, CancellationToken cancellationToken)
    {
        // Ids are assigned here rather than read back row by row: writes to a collection are serialised
        // by its write lock, and AUTOINCREMENT's sequence (never reused) is where the next id starts.
        long next;
        using (var sequence = connection.CreateCommand())
        {
            sequence.Transaction = tx;
            sequence.CommandText = $"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = $table), 0), COALESCE((SELECT MAX(id) FROM {_table}), 0));";
            sequence.Parameters.AddWithValue("$table", _table);
            next = Convert.ToInt64(sequence.ExecuteScalar(), CultureInfo.InvariantCulture) + 1;
        }

        var ids = new List<long>(records.Count);
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = $"INSERT INTO {_table} (id, key, data, norm, tokens, direction, checksum) VALUES ($id, $key, $data, $norm, $tokens, $direction, $checksum);";
        var id = insert.Parameters.Add("$id", SqliteType.Integer);
        var key = insert.Parameters.Add("$key", SqliteType.Text);
        var data = insert.Parameters.Add("$data", SqliteType.Text);
        var norm = insert.Parameters.Add("$norm", SqliteType.Real);
        var tokens = insert.Parameters.Add("$tokens", SqliteType.Integer);
        var direction = insert.Parameters.Add("$direction", SqliteType.Blob);
        var checksum = insert.Parameters.Add("$checksum", SqliteType.Integer);
        insert.Prepare();
        byte[]? buffer = null;
        foreach (var r in records)
        {
            if ((ids.Count & 1023) == 1023)
            {
                // Cancelled inside the transaction: it rolls back and nothing of the batch is stored.
                cancellationToken.ThrowIfCancellationRequested();
            }

            id.Value = next;
            key.Value = r.Key;
            data.Value = r.Data;
            norm.Value = (double)r.Norm;
            tokens.Value = r.Tokens is int t ? t : DBNull.Value;
            // One buffer for every row: SQLite copies a bound blob when the statement runs.
            var bytes = MemoryMarshal.AsBytes(r.Direction.AsSpan());
            if (buffer?.Length != bytes.Length)
            {
                buffer = new byte[bytes.Length];
                direction.Value = buffer;
            }

            bytes.CopyTo(buffer);
            checksum.Value = RowChecksum.Compute(r.Key, r.Data, r.Norm, r.Tokens, buffer);
            insert.ExecuteNonQuery();
            ids.Add(next++);
            inserted(r);
        }

        return ids;
    }

    /// <summary>Translates a retrieval's OrderBy into SQL (key column or bound JSON paths), ending with ", " when not empty.</summary>
    private static (string Sql, List<SqliteParameter> Parameters) OrderBy<TRecord>(FilteredRecordRetrievalOptions<TRecord> options, CollectionModel model)
    {
        var parameters = new List<SqliteParameter>();
        if (options.OrderBy is null)
        {
            return (string.Empty, parameters);
        }

        var definition = options.OrderBy(new FilteredRecordRetrievalOptions<TRecord>.OrderByDefinition());
        var sql = new StringBuilder();
        foreach (var sort in definition.Values)
        {
            var property = model.GetDataOrKeyProperty(sort.PropertySelector);
            if (property is KeyPropertyModel)
            {
                sql.Append("key");
            }
            else
            {
                string name = "$o" + parameters.Count.ToString(CultureInfo.InvariantCulture);
                parameters.Add(new SqliteParameter(name, "$.\"" + property.StorageName + "\""));
                sql.Append("json_extract(data, ").Append(name).Append(')');
            }

            sql.Append(sort.Ascending ? " ASC, " : " DESC, ");
        }

        return (sql.ToString(), parameters);
    }

    private static List<StoredRow> Read(SqliteCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<StoredRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if ((rows.Count & 1023) == 1023)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            rows.Add(Row(reader));
        }

        return rows;
    }

    private static StoredRow Row(SqliteDataReader reader)
    {
        string key = reader.GetString(1), data = reader.GetString(2);
        double norm = reader.GetDouble(3);
        int? tokens = reader.IsDBNull(4) ? null : reader.GetInt32(4);
        byte[] direction = reader.IsDBNull(5) ? [] : reader.GetValue(5) as byte[] ?? [];
        bool intact = reader.IsDBNull(6) || reader.GetInt64(6) == RowChecksum.Compute(key, data, norm, tokens, direction);
        return new(reader.GetInt64(0), key, data, norm, tokens, direction, intact);
    }

    private static CandidateRow Candidate(StoredRow row, double cosine) => new(row.Id, row.Key, row.Data, row.Norm, row.Tokens, cosine, row.Direction, row.Intact);

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static SqliteParameter[] Clone(IReadOnlyList<SqliteParameter> parameters) =>
        [.. parameters.Select(p => new SqliteParameter(p.ParameterName, p.Value))];
}
