using CsCheck;
using NormRetrieval.Vectors;

namespace NormRetrieval.Tests.Vectors;

public sealed class VectorNormTests
{
    private static readonly Gen<float[]> NonZeroVectors =
        Gen.Float[-1000f, 1000f].Array[1, 512].Where(v => v.Any(x => Math.Abs(x) > 1e-3f));

    [Fact]
    public void Split_direction_has_unit_length_and_times_norm_rebuilds_the_vector()
    {
        NonZeroVectors.Sample(raw =>
        {
            var split = VectorNorm.Split(raw);
            double unitNorm = Math.Sqrt(split.Direction.ToArray().Sum(x => (double)x * x));
            Assert.Equal(1.0, unitNorm, 5);
            double expectedNorm = Math.Sqrt(raw.Sum(x => (double)x * x));
            Assert.Equal(expectedNorm, split.Norm, expectedNorm * 1e-6);
            float[] rebuilt = split.ToRaw();
            for (int i = 0; i < raw.Length; i++)
            {
                Assert.Equal(raw[i], rebuilt[i], Math.Max(1e-3, Math.Abs(raw[i]) * 1e-5));
            }
        });
    }

    [Fact]
    public void Split_is_scale_equivariant()
    {
        Gen.Select(NonZeroVectors, Gen.Float[0.01f, 100f]).Sample((raw, scale) =>
        {
            var a = VectorNorm.Split(raw);
            var b = VectorNorm.Split(raw.Select(x => x * scale).ToArray());
            Assert.Equal(a.Norm * scale, b.Norm, a.Norm * scale * 1e-5);
            for (int i = 0; i < raw.Length; i++)
            {
                Assert.Equal(a.Direction.Span[i], b.Direction.Span[i], 1e-5);
            }
        });
    }

    [Fact]
    public void Split_in_place_writes_the_direction_over_the_input()
    {
        float[] v = [3, 4];
        float norm = VectorNorm.Split(v, v);
        Assert.Equal(5f, norm);
        Assert.Equal([0.6f, 0.8f], v);
    }

    [Theory]
    [InlineData(float.NaN, 1)]
    [InlineData(float.PositiveInfinity, 2)]
    [InlineData(float.NegativeInfinity, 0)]
    public void Non_finite_components_are_reported_with_their_index(float bad, int index)
    {
        float[] v = [1, 2, 3];
        v[index] = bad;
        var ex = Assert.Throws<InvalidVectorException>(() => VectorNorm.Split(v));
        Assert.Equal(VectorProblem.NotFinite, ex.Problem);
        Assert.Equal(index, ex.ComponentIndex);
        Assert.Contains($"Component {index}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_vector_has_no_direction()
    {
        var ex = Assert.Throws<InvalidVectorException>(() => VectorNorm.Split(new float[8]));
        Assert.Equal(VectorProblem.Zero, ex.Problem);
    }

    [Fact]
    public void Empty_vector_is_rejected()
    {
        var ex = Assert.Throws<InvalidVectorException>(() => VectorNorm.Split(ReadOnlySpan<float>.Empty));
        Assert.Equal(VectorProblem.Empty, ex.Problem);
    }

    [Fact]
    public void Dimension_mismatch_names_both_dimensions()
    {
        var ex = Assert.Throws<InvalidVectorException>(() => VectorNorm.Split(new float[] { 1, 2, 3 }, expectedDimension: 384));
        Assert.Equal(VectorProblem.DimensionMismatch, ex.Problem);
        Assert.Equal(384, ex.ExpectedDimension);
        Assert.Equal(3, ex.ActualDimension);
        Assert.IsAssignableFrom<ArgumentException>(ex);
    }

    [Fact]
    public void Huge_finite_components_do_not_overflow_the_norm()
    {
        float[] v = [3e30f, 4e30f];
        var split = VectorNorm.Split(v);
        Assert.Equal(5e30f, split.Norm, 1e25f);
        Assert.Equal(0.6f, split.Direction.Span[0], 1e-6f);
    }

    [Fact]
    public void Tiny_components_keep_a_positive_norm()
    {
        float[] v = [1e-30f, 0, 0];
        var split = VectorNorm.Split(v);
        Assert.True(split.Norm > 0);
        Assert.Equal(1f, split.Direction.Span[0], 1e-6f);
    }

    [Theory]
    [InlineData(3e38f, 2)]
    [InlineData(2e38f, 384)]
    [InlineData(1e-39f, 1)]
    [InlineData(1e-45f, 384)]
    public void A_norm_that_does_not_fit_a_normal_float_is_refused_not_clamped(float component, int dimension)
    {
        float[] v = [.. Enumerable.Repeat(component, dimension)];
        var ex = Assert.Throws<InvalidVectorException>(() => VectorNorm.Split(v));
        Assert.Equal(VectorProblem.NormOutOfRange, ex.Problem);
    }

    [Theory]
    [InlineData(1e-37f)]
    [InlineData(1e36f)]
    [InlineData(1e-38f)]
    public void Extreme_but_representable_norms_give_a_unit_direction(float component)
    {
        float[] v = [.. Enumerable.Repeat(component, 384)];
        v[0] *= 3;
        var split = VectorNorm.Split(v);
        double length = Math.Sqrt(split.Direction.ToArray().Sum(x => (double)x * x));
        Assert.Equal(1.0, length, 6);
        Assert.Equal(Math.Sqrt(383 + 9) * component, split.Norm, Math.Abs(component) * 1e-3);
    }

    [Fact]
    public void Destination_of_the_wrong_length_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => VectorNorm.Split(new float[] { 1, 2 }, new float[3]));
    }
}
