//! Serving several tenants at once: every tenant's encrypted predictions
//! equal the plaintext model's, concurrently and sequentially.

mod prod_common;

use hearth_sim::serve::bench::serve;

#[test]
fn three_tenants_served_concurrently_agree_with_plaintext() {
    let (mlp, rows) = prod_common::breast_cancer(3);
    let f = serve(&mlp, &rows, 3).unwrap();
    assert_eq!((f.models, f.rows_per_model), (3, 3));
    assert_eq!(f.disagreements, 0);
    assert!(f.concurrent_throughput > 0.0 && f.sequential_seconds > 0.0);
}
