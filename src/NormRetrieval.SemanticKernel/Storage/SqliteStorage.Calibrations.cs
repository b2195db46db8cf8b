using Microsoft.Data.Sqlite;

namespace NormRetrieval.SemanticKernel.Storage;

/// <content>The calibrations table: each collection's stored ranking policy, checksummed.</content>
internal sealed partial class SqliteStorage
{
    /// <summary>
    /// The calibration stored with a collection: its JSON, and whether the JSON still matches the checksum it was
    /// written with; null when none is stored (or the store predates calibrations and is open read-only).
    /// </summary>
    public (string Json, bool Intact)? ReadCalibration(CollectionInfo info)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT calibration, checksum FROM calibrations WHERE collection_id = $id;";
        command.Parameters.AddWithValue("$id", info.Id);
        try
        {
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            string json = reader.IsDBNull(0) ? string.Empty : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            bool intact = !reader.IsDBNull(1) && reader.GetFieldType(1) == typeof(long) && reader.GetInt64(1) == RowChecksum.OfText(json);
            return (json, intact);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
        {
            // A read-only open of a store made by a version without calibrations: no table, so none stored.
            return null;
        }
    }

    /// <summary>Stores (or, with null, removes) a collection's calibration, with the checksum of its JSON.</summary>
    public void WriteCalibration(CollectionInfo info, string? json)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = json is null
            ? "DELETE FROM calibrations WHERE collection_id = $id;"
            : "INSERT INTO calibrations (collection_id, calibration, checksum) VALUES ($id, $json, $checksum) ON CONFLICT(collection_id) DO UPDATE SET calibration = excluded.calibration, checksum = excluded.checksum;";
        command.Parameters.AddWithValue("$id", info.Id);
        if (json is not null)
        {
            command.Parameters.AddWithValue("$json", json);
            command.Parameters.AddWithValue("$checksum", RowChecksum.OfText(json));
        }

        command.ExecuteNonQuery();
    }
}
