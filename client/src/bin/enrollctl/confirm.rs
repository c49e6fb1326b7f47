//! `-Confirm`: asks on the terminal (never on standard input, which carries the piped objects).

use std::io::{BufRead, BufReader, Write};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Answer {
    Yes,
    YesToAll,
    No,
    NoToAll,
}

/// Asks whether to go on with `action` on `target`, as PowerShell does.
pub fn ask(action: &str, target: &str) -> Result<Answer, String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| {
            "no terminal to ask on: pass -Confirm:$false (or --yes) to go on without asking"
                .to_owned()
        })?;
    let mut writer = tty.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(tty);
    loop {
        write!(
            writer,
            "\nConfirm\nAre you sure you want to perform this action?\nPerforming the operation \"{action}\" on target \"{target}\".\n[Y] Yes  [A] Yes to All  [N] No  [L] No to All  (default is \"Y\"): "
        )
        .map_err(|e| e.to_string())?;
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err("no answer (the terminal closed): nothing was done".into());
        }
        match line.trim().to_ascii_lowercase().as_str() {
            "" | "y" | "yes" => return Ok(Answer::Yes),
            "a" => return Ok(Answer::YesToAll),
            "n" | "no" => return Ok(Answer::No),
            "l" => return Ok(Answer::NoToAll),
            _ => continue,
        }
    }
}

/// Whether a terminal is there to ask on.
pub fn terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::fs::File::open("/dev/tty").is_ok()
}
