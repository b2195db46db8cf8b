namespace NormRetrieval.Experiments.Tests;

/// <summary>Signed figures in reports: a negative value that rounds to zero prints as +0.0000, never "-+0.0000" or "-0.0000".</summary>
public sealed class FormattingTests
{
    [Theory]
    [InlineData(-0.00001, 4, "+0.0000")]
    [InlineData(-0.0, 4, "+0.0000")]
    [InlineData(0.00004, 4, "+0.0000")]
    [InlineData(-0.0112, 4, "-0.0112")]
    [InlineData(0.0032, 4, "+0.0032")]
    [InlineData(-0.0004, 3, "+0.000")]
    [InlineData(0.1774, 3, "+0.177")]
    public void Signed_figures_never_print_a_negative_zero(double value, int decimals, string expected) =>
        Assert.Equal(expected, ExperimentReport.Signed(value, decimals));
}
