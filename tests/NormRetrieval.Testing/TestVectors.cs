using NormRetrieval.Vectors;

namespace NormRetrieval.Testing;

/// <summary>Random unit vectors for index tests.</summary>
public static class TestVectors
{
    /// <summary>Rows of uniform components in [−1, 1], normalised; row-major.</summary>
    public static float[] RandomUnitRows(Random rng, int rows, int dim)
    {
        var v = new float[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            var row = v.AsSpan(r * dim, dim);
            for (int i = 0; i < dim; i++)
            {
                row[i] = (float)((rng.NextDouble() * 2) - 1);
            }

            VectorNorm.Split(row, row);
        }

        return v;
    }
}
