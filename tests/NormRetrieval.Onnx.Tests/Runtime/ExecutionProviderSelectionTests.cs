using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Onnx.Runtime;

namespace NormRetrieval.Onnx.Tests.Runtime;

public sealed class ExecutionProviderSelectionTests
{
    private static readonly string[] CpuOnly = ["CPUExecutionProvider"];
    private static readonly string[] WithCuda = ["CUDAExecutionProvider", "CPUExecutionProvider"];

    [Fact]
    public void Auto_prefers_cuda_when_the_runtime_offers_it()
    {
        Assert.Equal((ExecutionProvider.Cuda, null), ExecutionProviderSelection.Choose(ExecutionProvider.Auto, WithCuda, null));
        Assert.Equal((ExecutionProvider.Cpu, null), ExecutionProviderSelection.Choose(ExecutionProvider.Auto, CpuOnly, null));
    }

    [Fact]
    public void An_unavailable_preference_falls_back_to_cpu_with_a_reason()
    {
        var (provider, reason) = ExecutionProviderSelection.Choose(ExecutionProvider.Cuda, CpuOnly, null);
        Assert.Equal(ExecutionProvider.Cpu, provider);
        Assert.Contains("offers only CPUExecutionProvider", reason, StringComparison.Ordinal);
        Assert.Equal(ExecutionProvider.Cpu, ExecutionProviderSelection.Choose(ExecutionProvider.DirectML, WithCuda, null).Provider);
    }

    [Fact]
    public void The_environment_variable_overrides_auto_but_not_an_explicit_option()
    {
        Assert.Equal(ExecutionProvider.Cpu, ExecutionProviderSelection.Choose(ExecutionProvider.Auto, WithCuda, "cpu").Provider);
        Assert.Equal(ExecutionProvider.Cuda, ExecutionProviderSelection.Choose(ExecutionProvider.Auto, WithCuda, " CUDA ").Provider);
        Assert.Equal(ExecutionProvider.Cuda, ExecutionProviderSelection.Choose(ExecutionProvider.Cuda, WithCuda, "cpu").Provider);
        var ex = Assert.Throws<ArgumentException>(() => ExecutionProviderSelection.Choose(ExecutionProvider.Auto, WithCuda, "tpu"));
        Assert.Contains(ExecutionProviderSelection.EnvironmentVariable, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_runtime_in_this_build_offers_the_cpu()
    {
        Assert.Contains("CPUExecutionProvider", ExecutionProviderSelection.Available());
    }

    [Fact]
    public void An_encoder_asked_for_an_unavailable_gpu_runs_on_the_cpu_and_says_why()
    {
        if (ExecutionProviderSelection.Available().Contains("CUDAExecutionProvider"))
        {
            Assert.Skip("This build offers CUDA; the fallback is tested on CPU builds.");
        }

        var logger = new ListLogger();
        using var encoder = new OnnxEncoder(EncoderModel.MiniLM, new OnnxEncoderOptions { ExecutionProvider = ExecutionProvider.Cuda, LoggerFactory = logger, IntraOpThreads = 1 });
        Assert.Equal(ExecutionProvider.Cpu, encoder.ExecutionProvider);
        Assert.NotNull(encoder.ExecutionProviderNote);
        Assert.Contains(logger.Messages, m => m.Contains("skipped", StringComparison.Ordinal));
        Assert.Contains(logger.Messages, m => m.Contains("runs on the Cpu", StringComparison.Ordinal));
        float expected = TestEncoders.MiniLM.Encode("wing").Norm;
        Assert.Equal(expected, encoder.Encode("wing").Norm, expected * 1e-5f);
    }

    /// <summary>A logger factory whose every logger writes into one list.</summary>
    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger, Microsoft.Extensions.Logging.ILoggerFactory
    {
        public List<string> Messages { get; } = [];

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Messages)
            {
                Messages.Add(formatter(state, exception));
            }
        }
    }
}
