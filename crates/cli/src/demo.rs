//! `truce demo`: a server with the sample scenario.

use anyhow::Result;
use clap::Args;

#[derive(Args)]
pub struct DemoArgs {
    /// The address the server will listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: String,
}

pub fn run(args: DemoArgs) -> Result<()> {
    println!(
        "truce demo will create a fresh data directory, keys for the sample scenario's sources,\n\
         the sample agreement and reports, submit them through the HTTP API and serve the\n\
         dashboard at http://{}/.\n\n\
         The server is not built yet. Today you can try:\n  \
         truce key generate --name monitor.example/team-3 --out team-3.key\n  \
         truce entry sign --key team-3.key report.json > report.note\n  \
         truce entry check --vkey \"$(truce key public --key team-3.key)\" report.note\n  \
         truce entry schema truce.report/v1",
        args.listen
    );
    Ok(())
}
