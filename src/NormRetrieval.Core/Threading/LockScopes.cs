namespace NormRetrieval.Threading;

/// <summary>
/// Scoped reader–writer locking for index implementations (<c>using var held = gate.Read();</c>): the lock
/// is released when the scope ends, also when the body throws, and the scope works where lambdas cannot
/// (bodies that use spans).
/// </summary>
public static class LockScopes
{
    /// <summary>Enters the read lock until the returned scope is disposed.</summary>
    /// <param name="gate">The lock.</param>
    /// <returns>The scope.</returns>
    public static ReadScope Read(this ReaderWriterLockSlim gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        gate.EnterReadLock();
        return new ReadScope(gate);
    }

    /// <summary>Enters the write lock until the returned scope is disposed.</summary>
    /// <param name="gate">The lock.</param>
    /// <returns>The scope.</returns>
    public static WriteScope Write(this ReaderWriterLockSlim gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        gate.EnterWriteLock();
        return new WriteScope(gate);
    }

    /// <summary>A held read lock.</summary>
    public readonly struct ReadScope : IDisposable
    {
        private readonly ReaderWriterLockSlim _gate;

        internal ReadScope(ReaderWriterLockSlim gate) => _gate = gate;

        /// <summary>Releases the read lock.</summary>
        public void Dispose() => _gate.ExitReadLock();
    }

    /// <summary>A held write lock.</summary>
    public readonly struct WriteScope : IDisposable
    {
        private readonly ReaderWriterLockSlim _gate;

        internal WriteScope(ReaderWriterLockSlim gate) => _gate = gate;

        /// <summary>Releases the write lock.</summary>
        public void Dispose() => _gate.ExitWriteLock();
    }
}
