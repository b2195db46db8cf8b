using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Onnx.Runtime;
using NormRetrieval.Onnx.Tokenization;
using NormRetrieval.Vectors;

namespace NormRetrieval.Onnx.Encoders;

/// <summary>
/// A local sentence encoder that keeps the norm: tokenizer → ONNX Runtime session → pooling, returning
/// the raw pooled embedding (never normalised) with its norm, token count and truncation flag.
/// </summary>
/// <remarks>
/// <para>
/// As an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> its vectors are the raw embeddings; the norm,
/// token count and truncation flag travel in <see cref="Embedding.AdditionalProperties"/> under the keys of
/// <see cref="EmbeddingPropertyNames"/>, and the mode is read from the generation options' additional
/// property <see cref="EmbeddingPropertyNames.Mode"/> (<c>"query"</c> or <c>"document"</c>).
/// </para>
/// <para>Thread-safe: one session serves concurrent calls. Dispose it to free the native session.</para>
/// </remarks>
public sealed partial class OnnxEncoder : IEmbeddingGenerator<string, Embedding<float>>
{
    private const string InputIds = "input_ids";
    private const string AttentionMask = "attention_mask";
    private const string TokenTypeIds = "token_type_ids";

    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly bool _hasTokenTypeIds;
    private readonly int _batchSize;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <summary>Loads a model into an ONNX Runtime session.</summary>
    /// <param name="model">The model (e.g. <see cref="EncoderModel.MiniLM"/>).</param>
    /// <param name="options">Execution provider, threads, batch size, logging.</param>
    /// <exception cref="EncoderModelException">A model file is missing or damaged, or the graph is not a BERT-family encoder.</exception>
    public OnnxEncoder(EncoderModel model, OnnxEncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxEncoderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options));
        Model = model;
        _batchSize = options.BatchSize;
        Tokenizer = new EncoderTokenizer(model);
        byte[] graph = model.LoadGraph();
        (_session, ExecutionProvider, ExecutionProviderNote) = CreateSession(model, graph, options);
        try
        {
            (_hasTokenTypeIds, string output) = ValidateGraph(model, _session);
            _inputNames = _hasTokenTypeIds ? [InputIds, AttentionMask, TokenTypeIds] : [InputIds, AttentionMask];
            _outputNames = [output];
            Dimension = Run([Tokenizer.Tokenize(string.Empty)], CancellationToken.None)[0].Vector.Length;
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        _metadata = new EmbeddingGeneratorMetadata("NormRetrieval.Onnx", null, model.Name, Dimension);
    }

    /// <summary>The model.</summary>
    public EncoderModel Model { get; }

    /// <summary>The ONNX Runtime session, its input and output names (for benchmarks against a bare run).</summary>
    internal (InferenceSession Session, string[] Inputs, string[] Outputs) Native => (_session, _inputNames, _outputNames);

    /// <summary>The embedding dimension.</summary>
    public int Dimension { get; }

    /// <summary>The tokenizer (with the model's prefixes and truncation).</summary>
    public EncoderTokenizer Tokenizer { get; }

    /// <summary>The execution provider the session runs on.</summary>
    public ExecutionProvider ExecutionProvider { get; }

    /// <summary>Why the preferred provider was not used, or null when it was.</summary>
    public string? ExecutionProviderNote { get; }

    /// <summary>Encodes one text.</summary>
    /// <param name="text">The text.</param>
    /// <param name="mode">Document or query (queries get the model's query prefix).</param>
    /// <returns>The raw embedding with its norm.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public EncodedText Encode(string text, EncodeMode mode = EncodeMode.Document) => Encode([text], mode)[0];

    /// <summary>Encodes texts in batches (grouped by length to limit padding), in input order.</summary>
    /// <param name="texts">The texts; empty strings are allowed ([CLS] [SEP] only).</param>
    /// <param name="mode">Document or query.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <param name="progress">Told how many texts are encoded after each batch (on the calling thread).</param>
    /// <returns>One result per text, in input order.</returns>
    /// <exception cref="ArgumentNullException">The list or one of its texts is null.</exception>
    public IReadOnlyList<EncodedText> Encode(IReadOnlyList<string> texts, EncodeMode mode = EncodeMode.Document, CancellationToken cancellationToken = default, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var tokens = new TokenizedText[texts.Count];
        for (int i = 0; i < tokens.Length; i++)
        {
            if (texts[i] is null)
            {
                throw new ArgumentNullException(nameof(texts), $"Text {i} is null.");
            }

            tokens[i] = Tokenizer.Tokenize(texts[i], mode);
        }

        return EncodeTokenized(tokens, cancellationToken, progress);
    }

    /// <summary>Encodes texts that are already tokenised (e.g. by <see cref="Tokenizer"/>).</summary>
    /// <param name="tokens">The tokenised texts.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <param name="progress">Told how many texts are encoded after each batch (on the calling thread).</param>
    /// <returns>One result per text, in input order.</returns>
    public IReadOnlyList<EncodedText> EncodeTokenized(IReadOnlyList<TokenizedText> tokens, CancellationToken cancellationToken = default, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var results = new EncodedText[tokens.Count];
        int[] order = [.. Enumerable.Range(0, tokens.Count).OrderByDescending(i => tokens[i].Count)];
        for (int start = 0; start < order.Length; start += _batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int[] batch = order[start..Math.Min(order.Length, start + _batchSize)];
            var encoded = Run([.. batch.Select(i => tokens[i])], cancellationToken);
            for (int j = 0; j < batch.Length; j++)
            {
                results[batch[j]] = encoded[j];
            }

            progress?.Report(start + batch.Length);
        }

        return results;
    }

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        EncodeMode mode = ModeOf(options);
        var encoded = Encode([.. values], mode, cancellationToken);
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(encoded.Count);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        foreach (var e in encoded)
        {
            embeddings.Add(new Embedding<float>(e.Vector)
            {
                ModelId = Model.Name,
                CreatedAt = now,
                AdditionalProperties = new AdditionalPropertiesDictionary
                {
                    [EmbeddingPropertyNames.Norm] = e.Norm,
                    [EmbeddingPropertyNames.TokenCount] = e.TokenCount,
                    [EmbeddingPropertyNames.Truncated] = e.Truncated,
                },
            });
        }

        embeddings.Usage = new UsageDetails { InputTokenCount = encoded.Sum(e => (long)e.TokenCount) };
        return Task.FromResult(embeddings);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : serviceType == typeof(EncoderModel) ? Model
            : null;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    /// <summary>Runs one batch through the session and pools it (also used by benchmarks).</summary>
    internal EncodedText[] Run(IReadOnlyList<TokenizedText> batch, CancellationToken cancellationToken)
    {
        int rows = batch.Count;
        int length = batch.Max(t => t.Count);
        var ids = new long[rows * length];
        var mask = new long[rows * length];
        for (int r = 0; r < rows; r++)
        {
            batch[r].InputIds.CopyTo(ids, r * length);
            mask.AsSpan(r * length, batch[r].Count).Fill(1);
        }

        long[] shape = [rows, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = _hasTokenTypeIds ? OrtValue.CreateTensorValueFromMemory(new long[rows * length], shape) : null;
        OrtValue[] inputs = _hasTokenTypeIds ? [idsValue, maskValue, typesValue!] : [idsValue, maskValue];
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.CanBeCanceled ? cancellationToken.Register(() => runOptions.Terminate = true) : default;
        using var outputs = RunSession(runOptions, inputs, cancellationToken);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        int dim = hidden.Length / (rows * length);
        var results = new EncodedText[rows];
        for (int r = 0; r < rows; r++)
        {
            var vector = new float[dim];
            var rowStates = hidden.Slice(r * length * dim, length * dim);
            int count = batch[r].Count;
            if (Model.Pooling == PoolingMode.Cls)
            {
                rowStates[..dim].CopyTo(vector);
            }
            else
            {
                for (int t = 0; t < count; t++)
                {
                    TensorPrimitives.Add(vector, rowStates.Slice(t * dim, dim), vector);
                }

                TensorPrimitives.Divide(vector, count, vector);
            }

            results[r] = new EncodedText(vector, (float)VectorNorm.Norm(vector), count, batch[r].Truncated);
        }

        return results;
    }

    /// <summary>
    /// Runs the session; a run stopped by cancellation (ONNX Runtime's terminate flag) is an
    /// <see cref="OperationCanceledException"/>, not a runtime error.
    /// </summary>
    private IDisposableReadOnlyCollection<OrtValue> RunSession(RunOptions runOptions, OrtValue[] inputs, CancellationToken cancellationToken)
    {
        try
        {
            return _session.Run(runOptions, _inputNames, inputs, _outputNames);
        }
        catch (OnnxRuntimeException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The encoding was cancelled.", ex, cancellationToken);
        }
    }

    private static EncodeMode ModeOf(EmbeddingGenerationOptions? options)
    {
        if (options?.AdditionalProperties?.TryGetValue(EmbeddingPropertyNames.Mode, out object? value) != true || value is null)
        {
            return EncodeMode.Document;
        }

        return value switch
        {
            EncodeMode m => m,
            string s when s.Equals("query", StringComparison.OrdinalIgnoreCase) => EncodeMode.Query,
            string s when s.Equals("document", StringComparison.OrdinalIgnoreCase) => EncodeMode.Document,
            _ => throw new ArgumentException($"The option '{EmbeddingPropertyNames.Mode}' must be \"query\" or \"document\", not '{value}'.", nameof(options)),
        };
    }

    private static (InferenceSession Session, ExecutionProvider Provider, string? Note) CreateSession(EncoderModel model, byte[] graph, OnnxEncoderOptions options)
    {
        var (provider, skipped) = ExecutionProviderSelection.Choose(
            options.ExecutionProvider,
            ExecutionProviderSelection.Available(),
            Environment.GetEnvironmentVariable(ExecutionProviderSelection.EnvironmentVariable));
        if (skipped is not null)
        {
            LogSkipped(Logger(options), model.Name, skipped);
        }

        if (provider != ExecutionProvider.Cpu)
        {
            try
            {
                var session = NewSession(model, graph, options, provider);
                LogChosen(Logger(options), model.Name, provider.ToString());
                return (session, provider, skipped);
            }
            catch (OnnxRuntimeException ex)
            {
                // A broken graph fails on the CPU too, and is reported there.
                skipped = $"{provider} could not start ({ex.Message.Split('\n')[0]})";
                LogSkipped(Logger(options), model.Name, skipped);
            }
        }

        var cpu = NewSession(model, graph, options, ExecutionProvider.Cpu);
        LogChosen(Logger(options), model.Name, nameof(ExecutionProvider.Cpu));
        return (cpu, ExecutionProvider.Cpu, skipped);
    }

    private static InferenceSession NewSession(EncoderModel model, byte[] graph, OnnxEncoderOptions options, ExecutionProvider provider)
    {
        using var so = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (options.IntraOpThreads is int threads)
        {
            so.IntraOpNumThreads = threads;
        }

        so.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        switch (provider)
        {
            case ExecutionProvider.Cuda:
                so.AppendExecutionProvider_CUDA(options.DeviceId);
                break;
            case ExecutionProvider.DirectML:
                so.AppendExecutionProvider_DML(options.DeviceId);
                break;
            case ExecutionProvider.CoreML:
                so.AppendExecutionProvider_CoreML();
                break;
            default:
                break;
        }

        try
        {
            return new InferenceSession(graph, so);
        }
        catch (OnnxRuntimeException ex) when (provider == ExecutionProvider.Cpu)
        {
            throw new EncoderModelException($"ONNX Runtime cannot load the graph of model '{model.Name}' ({model.Source}): {ex.Message}", ex);
        }
    }

    private static (bool HasTokenTypeIds, string Output) ValidateGraph(EncoderModel model, InferenceSession session)
    {
        var inputs = session.InputMetadata;
        foreach (string required in new[] { InputIds, AttentionMask })
        {
            if (!inputs.TryGetValue(required, out var meta))
            {
                throw new EncoderModelException(
                    $"The graph of model '{model.Name}' has no input '{required}' (inputs: {string.Join(", ", inputs.Keys)}); a BERT-family encoder needs input_ids and attention_mask.");
            }

            CheckInt64(model, required, meta);
        }

        var unknown = inputs.Keys.Except([InputIds, AttentionMask, TokenTypeIds]).ToList();
        if (unknown.Count > 0)
        {
            throw new EncoderModelException($"The graph of model '{model.Name}' has inputs this encoder cannot feed: {string.Join(", ", unknown)}.");
        }

        bool hasTypes = inputs.TryGetValue(TokenTypeIds, out var typesMeta);
        if (hasTypes)
        {
            CheckInt64(model, TokenTypeIds, typesMeta!);
        }

        var outputs = session.OutputMetadata;
        string? output = outputs.ContainsKey("last_hidden_state") ? "last_hidden_state"
            : outputs.ContainsKey("token_embeddings") ? "token_embeddings"
            : outputs.FirstOrDefault(o => o.Value.Dimensions.Length == 3 && o.Value.ElementDataType == TensorElementType.Float).Key;
        if (output is null)
        {
            throw new EncoderModelException(
                $"The graph of model '{model.Name}' has no float output of shape [batch, sequence, hidden] (outputs: {string.Join(", ", outputs.Keys)}).");
        }

        var outMeta = outputs[output];
        if (outMeta.Dimensions.Length != 3 || outMeta.ElementDataType != TensorElementType.Float)
        {
            throw new EncoderModelException($"The output '{output}' of model '{model.Name}' is not a float tensor [batch, sequence, hidden].");
        }

        return (hasTypes, output);
    }

    private static void CheckInt64(EncoderModel model, string name, NodeMetadata meta)
    {
        if (meta.ElementDataType != TensorElementType.Int64 || meta.Dimensions.Length != 2)
        {
            throw new EncoderModelException($"The input '{name}' of model '{model.Name}' must be an int64 tensor [batch, sequence], not {meta.ElementDataType} of rank {meta.Dimensions.Length}.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Encoder {Model} runs on the {Provider} execution provider.")]
    private static partial void LogChosen(ILogger logger, string model, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Encoder {Model}: the preferred execution provider was skipped: {Reason}. Falling back to the CPU.")]
    private static partial void LogSkipped(ILogger logger, string model, string reason);

    private static ILogger Logger(OnnxEncoderOptions options) =>
        options.LoggerFactory is { } factory ? factory.CreateLogger<OnnxEncoder>() : NullLogger<OnnxEncoder>.Instance;
}
