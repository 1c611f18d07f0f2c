fn main() -> std::process::ExitCode {
    gridline_api::cli::main()
}
