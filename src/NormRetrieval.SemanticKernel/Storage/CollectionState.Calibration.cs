namespace NormRetrieval.SemanticKernel.Storage;

/// <content>The calibration stored with the collection, checked against its checksum.</content>
internal sealed partial class CollectionState
{
    private volatile CalibrationSlot? _calibration;

    /// <summary>The calibration stored with the collection (read once, then kept in step by <see cref="SetCalibration"/>); null when none.</summary>
    /// <exception cref="Microsoft.Extensions.VectorData.VectorStoreException">The stored calibration no longer matches its checksum or does not parse.</exception>
    public NormRetrieval.Calibration.PolicyCalibration? Calibration
    {
        get
        {
            var slot = _calibration ??= LoadCalibration();
            return slot.Damage is null ? slot.Value : throw new Microsoft.Extensions.VectorData.VectorStoreException(
                $"The calibration stored with collection '{Info.Name}' is damaged ({slot.Damage}); nothing was ranked by it. Calibrate again, or remove it (SetCalibrationAsync(null), normretrieval calibrate --clear).")
            {
                VectorStoreSystemName = SqliteStorage.SystemName,
                VectorStoreName = _storage.Directory,
                CollectionName = Info.Name,
                OperationName = "ReadCalibration",
            };
        }
    }

    /// <summary>Why the stored calibration cannot be trusted; null when it is intact or absent.</summary>
    public string? CalibrationDamage => (_calibration ??= LoadCalibration()).Damage;

    /// <summary>Stores (or removes) the calibration durably, then uses it.</summary>
    public void SetCalibration(NormRetrieval.Calibration.PolicyCalibration? calibration)
    {
        _storage.WriteCalibration(Info, calibration?.ToJson());
        _calibration = new CalibrationSlot(calibration, null);
    }

    private CalibrationSlot LoadCalibration()
    {
        if (_storage.ReadCalibration(Info) is not { } stored)
        {
            return new CalibrationSlot(null, null);
        }

        if (!stored.Intact)
        {
            return new CalibrationSlot(null, "its checksum does not match");
        }

        try
        {
            return new CalibrationSlot(NormRetrieval.Calibration.PolicyCalibration.FromJson(stored.Json), null);
        }
        catch (FormatException ex)
        {
            return new CalibrationSlot(null, ex.Message);
        }
    }

    private sealed record CalibrationSlot(NormRetrieval.Calibration.PolicyCalibration? Value, string? Damage);
}
