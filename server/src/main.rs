//! The `enrolld` command.

fn main() -> std::process::ExitCode {
    enrolld::cli::main()
}
