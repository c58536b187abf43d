//! The conformance suite every [`VectorStore`] must pass. Call
//! [`run_all`] from a test with a fresh, empty store of dimension [`DIM`].

use super::{ChunkFilter, ChunkPayload, ChunkPoint, StoreQuery, VectorStore};
use crate::embed::Bm25;

/// Dimension of the synthetic vectors the suite writes.
pub const DIM: usize = 8;

fn unit(seed: u64) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v: Vec<f32> = (0..DIM)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect();
    let n = v.iter().map(|a| a * a).sum::<f32>().sqrt().max(1e-6);
    v.iter_mut().for_each(|a| *a /= n);
    v
}

fn point(bm25: &Bm25, tenant: &str, doc: &str, i: u32, text: &str) -> ChunkPoint {
    ChunkPoint {
        payload: ChunkPayload {
            doc_id: doc.into(),
            tenant: tenant.into(),
            chunk_index: i,
            page: i + 1,
            start: i as usize * 100,
            end: i as usize * 100 + text.chars().count(),
            text: text.into(),
            source: format!("{doc}.pdf"),
        },
        dense: unit(doc.len() as u64 * 1000 + u64::from(i)),
        sparse: bm25.document(text),
    }
}

fn all(tenant: &str) -> ChunkFilter {
    ChunkFilter {
        tenant: tenant.into(),
        doc_ids: None,
    }
}

/// Runs every check; the first violated contract is the error.
pub async fn run_all(store: &dyn VectorStore) -> anyhow::Result<()> {
    let bm25 = Bm25::new()?;
    let texts = [
        "Weight: approx. 105 mg. Case: molded plastic.",
        "Copper (Cu) CAS 7440-50-8 winding wire",
        "重量 1.6 克 外壳材料 PBT",
        "Final assembly location: China",
    ];
    let doc_a: Vec<ChunkPoint> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| point(&bm25, "t1", "docA", i as u32, t))
        .collect();
    let doc_b: Vec<ChunkPoint> = (0..3)
        .map(|i| point(&bm25, "t1", "docBB", i, "Operating temperature -40 to 85 C"))
        .collect();
    let other_tenant = vec![point(&bm25, "t2", "docC", 0, "Copper (Cu) CAS 7440-50-8")];

    store.upsert(doc_a.clone()).await?;
    store.upsert(doc_b).await?;
    store.upsert(other_tenant).await?;
    anyhow::ensure!(store.count(all("t1")).await? == 7, "count after upsert");

    // Idempotent upsert.
    store.upsert(doc_a.clone()).await?;
    anyhow::ensure!(
        store.count(all("t1")).await? == 7,
        "re-upsert must not add copies"
    );
    anyhow::ensure!(store.count(all("t2")).await? == 1, "tenant count");

    // Filters and limits.
    let q = |tenant: &str, docs: Option<Vec<String>>, text: &str, seed: u64, limit| StoreQuery {
        dense: unit(seed),
        sparse: bm25.query(text),
        filter: ChunkFilter {
            tenant: tenant.into(),
            doc_ids: docs,
        },
        limit,
        sparse_weight: 1.0,
    };
    let hits = store
        .query(q("t1", Some(vec!["docBB".into()]), "copper", 1, 10))
        .await?;
    anyhow::ensure!(
        !hits.is_empty() && hits.iter().all(|h| h.payload.doc_id == "docBB"),
        "doc filter"
    );
    let hits = store.query(q("t1", None, "temperature", 2, 2)).await?;
    anyhow::ensure!(hits.len() == 2, "limit: got {}", hits.len());
    anyhow::ensure!(
        hits.iter().all(|h| h.payload.tenant == "t1"),
        "tenant filter"
    );
    let hits = store.query(q("t1", Some(vec![]), "copper", 1, 10)).await?;
    anyhow::ensure!(hits.is_empty(), "an empty document list matches nothing");

    // An exact rare token is found through the sparse vector even when the
    // dense vector points elsewhere.
    let hits = store.query(q("t1", None, "7440-50-8", 99, 3)).await?;
    let top = hits
        .first()
        .ok_or_else(|| anyhow::anyhow!("no hit for a CAS number"))?;
    anyhow::ensure!(
        top.payload.text.contains("7440-50-8"),
        "sparse match ranks first: {:?}",
        top.payload.text
    );
    anyhow::ensure!(top.payload.tenant == "t1", "sparse query respects tenant");

    // Payload round-trips, including non-ASCII text and spans.
    let hits = store
        .query(q("t1", Some(vec!["docA".into()]), "外壳材料 PBT", 3, 4))
        .await?;
    let cjk = hits
        .iter()
        .find(|h| h.payload.chunk_index == 2)
        .ok_or_else(|| anyhow::anyhow!("CJK chunk not returned"))?;
    anyhow::ensure!(cjk.payload == doc_a[2].payload, "payload round trip");
    anyhow::ensure!(cjk.id == doc_a[2].id(), "point id round trip");

    // Deleting a document removes it and only it.
    store.delete_document("docA").await?;
    anyhow::ensure!(store.count(all("t1")).await? == 3, "delete_document");
    let hits = store
        .query(q("t1", None, "copper 7440-50-8", 1, 10))
        .await?;
    anyhow::ensure!(
        hits.iter().all(|h| h.payload.doc_id != "docA"),
        "deleted points are not returned"
    );
    anyhow::ensure!(
        store.count(all("t2")).await? == 1,
        "delete stays within its document"
    );

    store.optimize().await?;
    anyhow::ensure!(store.count(all("t1")).await? == 3, "count after optimize");
    Ok(())
}
