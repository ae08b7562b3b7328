fn main() {
    std::process::exit(pulseboard::run());
}
