using Microsoft.Extensions.VectorData;
using NormRetrieval.SemanticKernel.Tests;

namespace NormRetrieval.Garnet.Tests;

/// <summary>A server that requires a password: no password or a wrong one fails clearly and reads nothing.</summary>
public sealed class SecurityTests
{
    private const string Password = "correct-horse-battery-staple";

    [Fact]
    public async Task Missing_or_wrong_passwords_fail_clearly_and_the_right_one_works()
    {
        int port = GarnetFixture.FreePort();
        using var server = GarnetFixture.StartServer(port, Password);
        string endpoint = $"127.0.0.1:{port}";

        using (var store = await GarnetVectorStore.ConnectAsync($"{endpoint},password={Password}"))
        {
            var c = store.GetCollection<string, Hotel>("secret");
            await c.EnsureCollectionExistsAsync(TestContext.Current.CancellationToken);
            await c.UpsertAsync(new Hotel { Id = "a", Name = "kept", Embedding = [1, 0, 0, 0] }, TestContext.Current.CancellationToken);
        }

        var missing = await Assert.ThrowsAsync<VectorStoreException>(() => GarnetVectorStore.ConnectAsync(endpoint));
        Assert.Contains("requires a password", missing.Message, StringComparison.Ordinal);
        Assert.Contains(endpoint, missing.Message, StringComparison.Ordinal);

        var wrong = await Assert.ThrowsAsync<VectorStoreException>(() => GarnetVectorStore.ConnectAsync($"{endpoint},password=guess"));
        Assert.Contains("refused the password", wrong.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("guess", wrong.Message, StringComparison.Ordinal);

        // Nothing was lost or read by the failed attempts; the stored record is still there for the right password.
        using var again = await GarnetVectorStore.ConnectAsync($"{endpoint},password={Password}");
        Assert.Equal("kept", (await again.GetCollection<string, Hotel>("secret").GetAsync("a", cancellationToken: TestContext.Current.CancellationToken))!.Name);
        Assert.DoesNotContain(Password, again.EndPoints, StringComparison.Ordinal);
    }
}
