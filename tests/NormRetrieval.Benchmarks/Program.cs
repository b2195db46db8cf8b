using BenchmarkDotNet.Running;
using NormRetrieval.Benchmarks;

// dotnet run -c Release --project tests/NormRetrieval.Benchmarks -- --filter '*EncoderBenchmarks*'   (BenchmarkDotNet)
// dotnet run -c Release --project tests/NormRetrieval.Benchmarks -- faiss [--rows 100000] [--out FILE]  (recall and throughput suite)
// dotnet run -c Release --project tests/NormRetrieval.Benchmarks -- store [--rows 100000] [--out FILE]  (embedded store suite)
// dotnet run -c Release --project tests/NormRetrieval.Benchmarks -- scale [--rows 100000,300000] [--indexes exact,Flat,HNSW32] [--vectors real-like|passages] [--graph-only] [--out FILE] [--keep DIR]  (growth with size)
// dotnet run -c Release --project tests/NormRetrieval.Benchmarks -- ingest [--rows 100000] [--index exact] [--rounds 3] [--plain] [--out FILE]  (store vs bare SQLite, alternating)
// dotnet run -c Release --project tests/NormRetrieval.Benchmarks -- vector-shape [--k 20] [--rows N,N] [--passages] [--out FILE]  (intrinsic dimensionality: real vs synthetic vectors)
// dotnet run -c Release --project tests/NormRetrieval.Benchmarks -- hybrid [--rows 100000] [--out FILE] (hybrid vs dense search)
// dotnet run -c Release --project tests/NormRetrieval.Benchmarks -- garnet [--rows 20000] [--out FILE]  (Garnet: 1 node vs 3 shards vs a 3-node cluster)
if (args.Length > 0 && args[0] == "faiss")
{
    return FaissSuite.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "garnet")
{
    return await GarnetSuite.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "hybrid")
{
    return await HybridSuite.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "scale")
{
    return await ScaleSuite.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "vector-shape")
{
    return VectorShapeSuite.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "ingest")
{
    return await IngestSuite.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "open-probe")
{
    return await OpenProbe.MainAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "store")
{
    return await StoreSuite.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
