//! The API description covers every route the service answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_its_errors() {
    let app = spawn_app().await;
    let (status, api) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(api["openapi"], "3.1.0");
    let paths = api["paths"].as_object().unwrap();
    for (path, method) in [
        ("/v1/documents", "post"),
        ("/v1/documents", "get"),
        ("/v1/documents/{id}", "get"),
        ("/v1/documents/{id}", "delete"),
        ("/v1/documents/{id}/text", "get"),
        ("/v1/documents/{id}/pages/{n}", "get"),
        ("/v1/search", "post"),
        ("/v1/extract", "post"),
        ("/v1/extract/evidence", "get"),
        ("/v1/ask", "post"),
        ("/v1/chat/completions", "post"),
        ("/v1/models", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ] {
        let op = &paths
            .get(path)
            .unwrap_or_else(|| panic!("{path} is not described"))[method];
        assert!(op.is_object(), "{method} {path} is not described");
        if path.starts_with("/v1/") {
            for code in ["401", "403", "404", "429", "503", "504"] {
                assert_eq!(
                    op["responses"][code]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {code}"
                );
            }
            assert!(op["security"].is_array(), "{method} {path}");
        }
    }
    // Request and answer types are the real wire types.
    let schemas = &api["components"]["schemas"];
    let extract = &schemas["ExtractRequest"]["properties"];
    assert!(extract["subject"].is_object() && extract["document_ids"].is_object());
    let citation = &schemas["Citation"]["required"];
    for field in ["document_id", "page", "start", "end", "quote"] {
        assert!(
            citation.as_array().unwrap().iter().any(|f| f == field),
            "{field}"
        );
    }
    assert_eq!(
        api["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
    let r = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("/openapi.json"));
}
