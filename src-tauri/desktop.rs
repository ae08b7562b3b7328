//! `pulseboard-desktop`: the desktop app (window, tray, scheduler), which
//! `pulseboard` hands the process to when it is given no command. Given a
//! command, it runs it as the CLI would.

fn main() {
    std::process::exit(pulseboard::run());
}
