//! Signs one DynamoDB request with the `aws-sigv4` crate and reports the
//! process's CPU time to then (bench/sigv4.sh).
fn main() {
    lambda_bootstrap_bench::sigv4::signer_main(lambda_bootstrap_bench::sigv4::sign_crate);
}
