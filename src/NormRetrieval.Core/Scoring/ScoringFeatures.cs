namespace NormRetrieval.Scoring;

/// <summary>What a scoring policy sees of one query–document pair.</summary>
/// <param name="Cosine">Cosine similarity c of query and document directions.</param>
/// <param name="DocumentNorm">Raw norm n_d of the document embedding.</param>
/// <param name="DocumentZ">Standardised log-norm z_d of the document within its collection (length-residualised when the policy asks).</param>
/// <param name="QueryNorm">Raw norm n_q of the query embedding.</param>
/// <param name="QueryZ">Standardised log-norm z_q of the query.</param>
public readonly record struct ScoringFeatures(double Cosine, double DocumentNorm, double DocumentZ, double QueryNorm, double QueryZ);
