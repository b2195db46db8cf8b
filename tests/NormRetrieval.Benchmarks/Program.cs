using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/NormRetrieval.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
