using Microsoft.Extensions.VectorData;

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

    [Fact]
    public async Task Tls_comes_from_the_connection_settings()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var dir = new NormRetrieval.Testing.TempDirectory();
        string pfx = dir.File("server.pfx");
        await File.WriteAllBytesAsync(pfx, created.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "pfx-password"), TestContext.Current.CancellationToken);

        int port = GarnetFixture.FreePort();
        using var server = GarnetFixture.StartServer(port, Password, new global::Garnet.server.TLS.GarnetTlsOptions(
            pfx, "pfx-password", false, System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck, null!, null!, 0, false, null!, false, null!, null!, null!));

        var configuration = StackExchange.Redis.ConfigurationOptions.Parse($"127.0.0.1:{port},password={Password},ssl=true,sslHost=localhost");
        configuration.CertificateValidation += (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == created.GetCertHashString();
        using (var store = await GarnetVectorStore.ConnectAsync(configuration))
        {
            var c = store.GetCollection<string, Hotel>("tls");
            await c.EnsureCollectionExistsAsync(TestContext.Current.CancellationToken);
            await c.UpsertAsync(new Hotel { Id = "a", Name = "over tls", Embedding = [1, 0, 0, 0] }, TestContext.Current.CancellationToken);
            Assert.Equal("over tls", (await c.GetAsync("a", cancellationToken: TestContext.Current.CancellationToken))!.Name);
        }

        // Plain text to a TLS port does not get through.
        await Assert.ThrowsAsync<VectorStoreException>(() => GarnetVectorStore.ConnectAsync($"127.0.0.1:{port},password={Password},connectTimeout=2000"));
    }
}
