//! Bytes per open report in siaga's own in-memory structures: the report catalogue
//! (`workflow/catalogue`) and the SLA clock's memo (`workflow/clock/memo.rs`), both counted with
//! their spare capacity (what a heap profiler shows as live). The reports arrive as the soak's
//! do: new citizens' text messages through the webhook's batch path (`IngestBatcher::accept`,
//! 64 at a time), every one left open, with a clock pass every `--pass-every` reports (the
//! soak's 200 msg/s and 15 s passes: 3,000), so that both structures grow as a serving
//! process's do, not as a restart's build sizes them.
//!
//!     cargo run --release --example open_report_bytes -- --reports 100000

use std::time::Instant;

use chrono::Utc;
use clap::Parser;
use siaga::app::App;
use siaga::config::{Config, Settings};
use siaga::domain::phone::PhoneNumber;
use siaga::whatsapp::payload::{self, Citizen};
use siaga::whatsapp::webhook::parse_notification;

#[derive(Parser)]
struct Args {
    /// Reports to open.
    #[arg(long, default_value_t = 100_000)]
    reports: u64,
    /// A clock pass after every this many reports.
    #[arg(long, default_value_t = 3_000)]
    pass_every: u64,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    siaga::data_dir::restrict_new_file_permissions();
    let folder = tempfile::tempdir()?;
    let settings = Settings {
        data_dir: Some(folder.path().join("data")),
        listen: Some("127.0.0.1:0".into()),
        ..Settings::default()
    };
    let app = App::build(Config::validate(settings)?).await?;
    let state = app.state();
    let workflow = state.services.workflow.clone();
    let started = Instant::now();
    let mut since_pass = 0;
    let indices: Vec<u64> = (0..args.reports).collect();
    for chunk in indices.chunks(64) {
        let accepted = chunk.iter().map(|index| {
            let citizen = Citizen {
                phone: PhoneNumber::parse(&format!("0815{index:08}")).expect("a number"),
                name: format!("Warga {index}"),
            };
            let now = Utc::now();
            let text = "motor saya dicuri di depan warung tadi malam tolong dibantu pak";
            let message = payload::text_message(
                &citizen,
                &format!("wamid.bytes.{index}"),
                now.timestamp(),
                text,
            );
            let body = payload::to_wire_bytes(&message);
            let items = parse_notification(&body, now).expect("a valid delivery");
            state.ingest.accept(body.into(), items, now)
        });
        for outcome in futures_util::future::join_all(accepted).await {
            outcome.map_err(|error| anyhow::anyhow!("{error:?}"))?;
        }
        since_pass += chunk.len() as u64;
        if since_pass >= args.pass_every {
            workflow.run_clock(Utc::now()).await?;
            since_pass = 0;
        }
    }
    let pass = workflow.run_clock(Utc::now()).await?;
    let catalogue = workflow.catalogue().size();
    let (memo_entries, memo_bytes) = workflow.clock_memo_size();
    let per = |bytes: usize| bytes as f64 / args.reports as f64;
    println!(
        "{} reports opened in {:.0} s; the last clock pass checked {}",
        args.reports,
        started.elapsed().as_secs_f64(),
        pass.reports_checked
    );
    println!(
        "catalogue: {} reports, {} bytes = {:.1} bytes a report",
        catalogue.reports,
        catalogue.bytes,
        per(catalogue.bytes)
    );
    println!(
        "clock memo: {memo_entries} entries, {memo_bytes} bytes = {:.1} bytes a report",
        per(memo_bytes)
    );
    println!(
        "both: {:.1} bytes an open report",
        per(catalogue.bytes + memo_bytes)
    );
    Ok(())
}
