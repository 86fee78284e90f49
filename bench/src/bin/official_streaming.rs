//! The official runtime's response streaming, as its documentation shows
//! it (`lambda_runtime::streaming::channel`, a spawned task sending the
//! pieces, `Response::from` the receiving half), around the same generator
//! as ours. lambda_runtime always sends the HTTP integration prelude; its
//! headers name the generator's content type.

use lambda_runtime::streaming::{Body, Response, channel};
use lambda_runtime::{Error, LambdaEvent, MetadataPrelude, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(stream)).await
}

async fn stream(event: LambdaEvent<Value>) -> Result<Response<Body>, Error> {
    let bytes = lambda_bootstrap_bench::requested_bytes(&event.payload).map_err(Error::from)?;
    let (mut tx, rx) = channel();
    tokio::spawn(async move {
        for piece in lambda_bootstrap_bench::pieces(bytes) {
            // `Bytes::from_static`: the pieces go out without a copy.
            if tx.send_data(piece.into()).await.is_err() {
                return;
            }
        }
    });
    let mut metadata_prelude = MetadataPrelude::default();
    metadata_prelude.headers.insert(
        "content-type",
        lambda_bootstrap_bench::CONTENT_TYPE.parse()?,
    );
    Ok(Response {
        metadata_prelude,
        stream: rx,
    })
}
