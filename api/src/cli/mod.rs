//! The `gridline` command line.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use gridline_persistence::Database;

use crate::{config::redact_url, telemetry, Application, Settings};

mod admin;
mod backup;

#[derive(Debug, Parser)]
#[command(name = "gridline", version, about = "Gridline: grid-based community governance server")]
struct Cli {
    /// A TOML file of settings; `GRIDLINE_*` variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations, then serve HTTP (the default).
    Serve {
        /// Seed a demo district with users for every role (on an empty database).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI document as JSON.
    Openapi,
    /// Administration for scripts, straight against the database.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
}

/// Runs the command line; the exit code says how it went.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    if let Command::Openapi = command {
        println!("{}", crate::routes::openapi_text());
        return ExitCode::SUCCESS;
    }
    let mut settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    telemetry::init(settings.log_format, &settings.log_filter);
    for name in Settings::unknown_variables() {
        tracing::warn!(variable = %name, "ignoring an unknown GRIDLINE_ variable");
    }
    let result = actix_web::rt::System::new().block_on(async move {
        match command {
            Command::Migrate => migrate(&settings).await,
            Command::Admin(cmd) => admin::run(&settings, cmd).await,
            Command::Serve { demo } => {
                settings.demo = demo;
                serve(settings).await
            }
            Command::Openapi => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("{e:#}")),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("gridline: {message}");
    ExitCode::FAILURE
}

async fn open(settings: &Settings) -> anyhow::Result<Database> {
    std::fs::create_dir_all(&settings.data_dir)?;
    let db = Database::connect(&settings.database_url, &settings.db).await?;
    db.migrate().await?;
    Ok(db)
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = open(settings).await?;
    tracing::info!(database = %redact_url(&settings.database_url), "migrations applied");
    db.close().await;
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(?settings, "starting");
    let app = Application::build(settings).await?;
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}
