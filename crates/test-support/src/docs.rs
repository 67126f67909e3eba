//! The docs cannot drift from the binaries: every command shown in a shell code block of
//! `README.md` and `docs/*.md` that runs `citizens`, `citizens-server` (also as
//! `target/release/…`, through a variable such as `C=target/release/citizens`, or as
//! `cargo run -p PACKAGE -- …`, also after `sudo`, `runuser -u USER --` or `env`) or
//! `bash scripts/X.sh` must exist. For a binary, each
//! subcommand on the path answers `--help` with exit 0 and every `--flag` shown is listed in
//! the help of the subcommand it is given to; for a script, the file exists.
//!
//! Only std: `crates/cli/tests/docs.rs` includes this file by path (the CLI does not depend on
//! test-support), `sync-server/tests/docs.rs` uses it from the crate.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A binary the docs show, and how to ask it for help.
#[derive(Debug, Clone)]
pub struct Binary {
    /// The name people type: `citizens` or `citizens-server`.
    pub name: String,
    /// The Cargo package that builds it (for `cargo run -p PACKAGE -- …`).
    pub package: String,
    /// The built executable (`env!("CARGO_BIN_EXE_…")`).
    pub exe: PathBuf,
}

/// One simple command found in a code block, after line continuations, comments, `$(…)` and
/// variables naming a binary were dealt with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The Markdown file, as given.
    pub file: String,
    /// The line of the file the command starts on (1-based).
    pub line: usize,
    /// The words, the program first (a variable naming a binary is replaced by the binary's
    /// name, a path to one by its name).
    pub words: Vec<String>,
}

/// What [`check`] found.
#[derive(Debug, Default)]
pub struct Report {
    /// How many commands of the binary were checked.
    pub binary_commands: usize,
    /// How many `bash scripts/…` commands were checked.
    pub scripts: usize,
    /// Everything wrong, one line each (`file:line: …`).
    pub problems: Vec<String>,
}

/// The Markdown files whose code blocks are checked: `README.md` and `docs/*.md`, sorted.
pub fn doc_files(repo_root: &Path) -> Vec<PathBuf> {
    let mut files = vec![repo_root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo_root.join("docs"))
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect()
        })
        .unwrap_or_default();
    docs.sort();
    files.extend(docs);
    files
}

/// Check every doc file under `repo_root` against `binary` (and every script they run).
pub fn check(repo_root: &Path, binary: &Binary) -> Report {
    let mut report = Report::default();
    let mut helps = HelpCache::new(|path: &[String]| run_help(&binary.exe, path));
    for file in doc_files(repo_root) {
        let name = file
            .strip_prefix(repo_root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) => {
                report.problems.push(format!("{name}: cannot read: {e}"));
                continue;
            }
        };
        for shown in commands(&name, &text, &[binary.name.as_str()]) {
            if let Some(script) = script_of(&shown.words) {
                report.scripts += 1;
                if !repo_root.join(&script).is_file() {
                    report.problems.push(format!(
                        "{}:{}: `{}`: there is no {script}",
                        shown.file,
                        shown.line,
                        shown.words.join(" ")
                    ));
                }
                continue;
            }
            let Some(args) = arguments_for(&shown.words, binary) else {
                continue;
            };
            report.binary_commands += 1;
            if let Err(why) = check_args(&binary.name, &args, &mut helps) {
                report.problems.push(format!(
                    "{}:{}: `{}`: {why}",
                    shown.file,
                    shown.line,
                    shown.words.join(" ")
                ));
            }
        }
    }
    report
}

/// `exe PATH… --help`: its output when it exits 0, else what it said.
fn run_help(exe: &Path, path: &[String]) -> Result<String, String> {
    let out = Command::new(exe)
        .args(path)
        .arg("--help")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Answers `--help` for a subcommand path, each path asked once.
#[derive(Debug)]
pub struct HelpCache<F> {
    ask: F,
    seen: HashMap<Vec<String>, Result<Help, String>>,
}

impl<F: FnMut(&[String]) -> Result<String, String>> HelpCache<F> {
    /// `ask(path)` gives the help text of `path` (empty: the binary itself), or why not.
    pub fn new(ask: F) -> Self {
        HelpCache {
            ask,
            seen: HashMap::new(),
        }
    }

    fn help(&mut self, path: &[String]) -> Result<Help, String> {
        if let Some(known) = self.seen.get(path) {
            return known.clone();
        }
        let help = (self.ask)(path).map(|text| parse_help(&text));
        self.seen.insert(path.to_vec(), help.clone());
        help
    }
}

/// What a clap help text says a command takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Help {
    /// Its subcommands (the "Commands:" section).
    pub subcommands: Vec<String>,
    /// Its options, long (`--json`) and short (`-h`), each with whether it takes a value.
    pub options: BTreeMap<String, bool>,
}

/// Every command of `binary` in the docs exists, and at least `at_least` are shown (finding
/// fewer means the docs moved or the parser broke, not that all is well).
pub fn assert_docs_hold(repo_root: &Path, binary: &Binary, at_least: usize) {
    let report = check(repo_root, binary);
    assert!(
        report.binary_commands >= at_least,
        "only {} {} commands found in the docs",
        report.binary_commands,
        binary.name
    );
    assert!(report.scripts >= 2, "the quick start's two scripts");
    assert!(
        report.problems.is_empty(),
        "commands in the docs that {} does not have:\n{}",
        binary.name,
        report.problems.join("\n")
    );
}

/// Read a clap help text: the names under "Commands:" and the options under "Options:" (or any
/// section whose lines start with a dash), short or long, and whether each takes a `<VALUE>`.
pub fn parse_help(text: &str) -> Help {
    let mut help = Help::default();
    let mut in_commands = false;
    for line in text.lines() {
        if !line.starts_with(' ') {
            in_commands = line.trim_end() == "Commands:";
            continue;
        }
        let trimmed = line.trim_start();
        if in_commands {
            // "  add    Capture a grievance": the first word; descriptions that wrap are
            // indented further, so only the shallowest lines name commands.
            let indent = line.len() - trimmed.len();
            if indent <= 2 {
                if let Some(name) = trimmed.split_whitespace().next() {
                    help.subcommands.push(name.to_string());
                }
            }
            continue;
        }
        if !trimmed.starts_with('-') {
            continue;
        }
        // "-h, --help  Print help" or "--role <ROLE>": the part before the description.
        let head = trimmed.split("  ").next().unwrap_or(trimmed);
        // `--x <X>` takes the next word; `--x[=<X>]` only an inline value.
        let takes_value = head.contains(" <");
        for word in head.split([',', ' ']) {
            let name = word.split(['=', '[']).next().unwrap_or(word);
            if name.starts_with('-') && name.len() > 1 {
                help.options.insert(name.to_string(), takes_value);
            }
        }
    }
    help
}

/// Check one invocation of `binary` (its arguments, the binary's name left out) against the
/// help each subcommand on its path gives.
pub fn check_args<F>(binary: &str, args: &[String], helps: &mut HelpCache<F>) -> Result<(), String>
where
    F: FnMut(&[String]) -> Result<String, String>,
{
    let mut path: Vec<String> = Vec::new();
    let mut help = helps
        .help(&path)
        .map_err(|e| format!("`{binary} --help` failed: {e}"))?;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let named = |path: &[String]| {
            std::iter::once(binary.to_string())
                .chain(path.iter().cloned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        if word == "--" {
            break;
        }
        if word.starts_with('-') && word.len() > 1 && !is_number(word) {
            let (name, inline_value) = match word.split_once('=') {
                Some((name, _)) => (name, true),
                None => (word.as_str(), false),
            };
            let names: Vec<String> = if name.starts_with("--") {
                vec![name.to_string()]
            } else {
                // `-abc` is `-a -b -c`.
                name.chars().skip(1).map(|c| format!("-{c}")).collect()
            };
            for flag in names {
                match help.options.get(&flag) {
                    None => {
                        return Err(format!(
                            "{flag} is not an option of `{}` (see `{} --help`)",
                            named(&path),
                            named(&path)
                        ))
                    }
                    Some(true) if !inline_value => {
                        words.next();
                    }
                    Some(_) => {}
                }
            }
            continue;
        }
        if !help.subcommands.is_empty() {
            if !help.subcommands.iter().any(|s| s == word) {
                return Err(format!(
                    "`{word}` is not a subcommand of `{}` (it has: {})",
                    named(&path),
                    help.subcommands.join(", ")
                ));
            }
            path.push(word.clone());
            help = helps
                .help(&path)
                .map_err(|e| format!("`{} --help` failed: {e}", named(&path)))?;
        }
        // Otherwise a positional argument of a command with no subcommands.
    }
    Ok(())
}

fn is_number(word: &str) -> bool {
    word[1..]
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

/// The script a command runs (`bash scripts/x.sh …`, `source scripts/x.sh`, `./scripts/x.sh`),
/// relative to the repository's root.
pub fn script_of(words: &[String]) -> Option<String> {
    let first = words.first()?;
    let candidate = match first.as_str() {
        "bash" | "sh" | "source" | "." => words.get(1)?,
        _ => first,
    };
    let candidate = candidate.strip_prefix("./").unwrap_or(candidate);
    (candidate.starts_with("scripts/") && candidate.ends_with(".sh")).then(|| candidate.to_string())
}

/// The arguments `binary` is given by a shown command: `citizens …`, a path ending in
/// `/citizens`, or `cargo run -p PACKAGE [--bin NAME] -- …`. None when it runs something else.
pub fn arguments_for(words: &[String], binary: &Binary) -> Option<Vec<String>> {
    let first = words.first()?;
    if is_binary(first, &binary.name) {
        return Some(words[1..].to_vec());
    }
    if first != "cargo" || words.get(1).map(String::as_str) != Some("run") {
        return None;
    }
    let mut package = None;
    let mut bin = None;
    let mut rest = words[2..].iter();
    let mut args = Vec::new();
    while let Some(word) = rest.next() {
        match word.as_str() {
            "--" => {
                args = rest.cloned().collect();
                break;
            }
            "-p" | "--package" => package = rest.next().cloned(),
            "--bin" => bin = rest.next().cloned(),
            w => {
                if let Some(p) = w.strip_prefix("--package=") {
                    package = Some(p.to_string());
                } else if let Some(p) = w.strip_prefix("-p").filter(|p| !p.is_empty()) {
                    package = Some(p.to_string());
                } else if let Some(b) = w.strip_prefix("--bin=") {
                    bin = Some(b.to_string());
                }
            }
        }
    }
    let ours = package.as_deref() == Some(binary.package.as_str())
        && bin.as_deref().is_none_or(|b| b == binary.name);
    ours.then_some(args)
}

/// `citizens`, `target/release/citizens`, `./citizens`, … (not `citizens-server` for
/// `citizens`).
fn is_binary(word: &str, name: &str) -> bool {
    word == name || (word.contains('/') && word.rsplit('/').next() == Some(name))
}

/// Every simple command in the shell code blocks of `markdown` (fenced with ``` or ~~~, with no
/// language or `sh`, `bash`, `shell`, `console`; in `console` blocks only the lines after a
/// `$ ` prompt). A variable set to a path ending in one of `binaries` (e.g.
/// `C=target/release/citizens`) stands for that binary in the rest of the file.
pub fn commands(file: &str, markdown: &str, binaries: &[&str]) -> Vec<Shown> {
    let mut shown = Vec::new();
    let mut aliases: HashMap<String, String> = HashMap::new();
    for block in code_blocks(markdown) {
        if !matches!(
            block.lang.as_str(),
            "" | "sh" | "bash" | "shell" | "console" | "shell-session"
        ) {
            continue;
        }
        let console = block.lang == "console" || block.lang == "shell-session";
        for (line, text) in logical_lines(&block.lines, console) {
            for words in simple_commands(&text) {
                let words = resolve(words, &mut aliases, binaries);
                if !words.is_empty() {
                    shown.push(Shown {
                        file: file.to_string(),
                        line,
                        words,
                    });
                }
            }
        }
    }
    shown
}

/// A fenced code block: its language and its lines with their line numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The info string's first word (`sh`, `toml`, or empty).
    pub lang: String,
    /// Each line with its 1-based number in the file.
    pub lines: Vec<(usize, String)>,
}

/// The fenced code blocks of a Markdown text.
pub fn code_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, Block)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                for fence in ["```", "~~~"] {
                    if let Some(info) = trimmed.strip_prefix(fence) {
                        let run = fence.len()
                            + info.chars().take_while(|c| fence.starts_with(*c)).count();
                        let info = trimmed[run..].trim();
                        let lang = info
                            .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                            .next()
                            .unwrap_or("")
                            .to_lowercase();
                        open = Some((
                            trimmed[..run].to_string(),
                            Block {
                                lang,
                                lines: Vec::new(),
                            },
                        ));
                        break;
                    }
                }
            }
            Some((fence, block)) => {
                let closes = trimmed.starts_with(fence.as_str())
                    && trimmed
                        .trim_start_matches(fence.chars().next().unwrap_or('`'))
                        .trim()
                        .is_empty();
                if closes {
                    if let Some((_, block)) = open.take() {
                        blocks.push(block);
                    }
                } else {
                    block.lines.push((i + 1, line.to_string()));
                }
            }
        }
    }
    blocks
}

/// Lines joined where they end in `\`, comments removed; in a console block only prompted
/// lines (`$ `) and their continuations.
fn logical_lines(lines: &[(usize, String)], console: bool) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, raw) in lines {
        let text = match (&current, console) {
            (None, true) => match raw.trim_start().strip_prefix("$ ") {
                Some(command) => command.to_string(),
                None => continue,
            },
            _ => raw.clone(),
        };
        let text = strip_comment(&text);
        let (text, continues) = match text.trim_end().strip_suffix('\\') {
            Some(head) => (head.to_string(), true),
            None => (text, false),
        };
        let entry = current.get_or_insert((*number, String::new()));
        entry.1.push(' ');
        entry.1.push_str(&text);
        if !continues {
            if let Some(done) = current.take() {
                out.push(done);
            }
        }
    }
    out.extend(current);
    out
}

/// The line up to a `#` that starts a word outside quotes.
fn strip_comment(line: &str) -> String {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return line[..i].to_string(),
            _ => {}
        }
        previous = c;
    }
    line.to_string()
}

/// The simple commands of one logical line: split at `|`, `&&`, `||`, `;`, `&`, parentheses,
/// with each `$(…)` taken out as commands of its own. Redirections and their targets are
/// dropped; quotes are removed.
pub fn simple_commands(line: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let outer = take_substitutions(line, &mut found);
    let mut commands = vec![Vec::new()];
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut skip_next = false;
    let mut chars = outer.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if q == '"' && c == '\\' {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            } else {
                word.push(c);
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                in_word = true;
            }
            '\\' => {
                if let Some(next) = chars.next() {
                    word.push(next);
                    in_word = true;
                }
            }
            c if c.is_whitespace() => {
                end_word(&mut word, &mut in_word, &mut commands, &mut skip_next)
            }
            '>' | '<' => {
                // `2>`, `>`, `>>`, `2>&1`, `<`: drop the descriptor and the target.
                if in_word && word.chars().all(|d| d.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                } else {
                    end_word(&mut word, &mut in_word, &mut commands, &mut skip_next);
                }
                while chars.peek() == Some(&'>') {
                    chars.next();
                }
                if chars.peek() == Some(&'&') {
                    chars.next();
                    while chars
                        .peek()
                        .is_some_and(|d| d.is_ascii_digit() || *d == '-')
                    {
                        chars.next();
                    }
                } else {
                    skip_next = true;
                }
            }
            '|' | '&' | ';' | '(' | ')' => {
                end_word(&mut word, &mut in_word, &mut commands, &mut skip_next);
                if chars.peek() == Some(&c) {
                    chars.next();
                }
                commands.push(Vec::new());
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    end_word(&mut word, &mut in_word, &mut commands, &mut skip_next);
    commands.retain(|c| !c.is_empty());
    commands.extend(found);
    commands
}

/// The word being read is complete: add it to the current command (or drop it when it is a
/// redirection's target).
fn end_word(
    word: &mut String,
    in_word: &mut bool,
    commands: &mut [Vec<String>],
    skip_next: &mut bool,
) {
    if *in_word {
        if *skip_next {
            *skip_next = false;
        } else if let Some(last) = commands.last_mut() {
            last.push(std::mem::take(word));
        }
    }
    word.clear();
    *in_word = false;
}

/// Replace each `$(…)` outside single quotes by a placeholder word, adding its commands to
/// `found`.
fn take_substitutions(line: &str, found: &mut Vec<Vec<String>>) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut single = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' && !single_is_inside_double(&chars, i) {
            single = !single;
        }
        if !single && c == '$' && chars.get(i + 1) == Some(&'(') {
            let mut depth = 0usize;
            let mut j = i + 1;
            let mut inner_quote: Option<char> = None;
            while j < chars.len() {
                let d = chars[j];
                match inner_quote {
                    Some(q) if d == q => inner_quote = None,
                    Some(_) => {}
                    None => match d {
                        '\'' | '"' => inner_quote = Some(d),
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    },
                }
                j += 1;
            }
            let inner: String = chars[i + 2..j.min(chars.len())].iter().collect();
            found.extend(simple_commands(&inner));
            out.push_str("SUBSTITUTED");
            i = j + 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Whether the `'` at `at` sits inside a double-quoted string (so it quotes nothing).
fn single_is_inside_double(chars: &[char], at: usize) -> bool {
    let mut double = false;
    let mut single = false;
    for &c in &chars[..at] {
        match c {
            '"' if !single => double = !double,
            '\'' if !double => single = !single,
            _ => {}
        }
    }
    double
}

/// How many leading words only run what follows as someone else or elsewhere: `sudo [-u USER]`,
/// `runuser -u USER --`, `env [VAR=value]`, `exec`, `nohup`, `time`.
fn wrapper_length(words: &[String]) -> usize {
    let mut at = 0;
    loop {
        let Some(first) = words.get(at).map(String::as_str) else {
            return at;
        };
        match first {
            "sudo" | "runuser" | "env" => {
                at += 1;
                while let Some(word) = words.get(at) {
                    if word == "--" {
                        at += 1;
                        break;
                    }
                    if ["-u", "-g", "--user", "--group"].contains(&word.as_str()) {
                        at += 2;
                    } else if word.starts_with('-') || (first == "env" && word.contains('=')) {
                        at += 1;
                    } else {
                        break;
                    }
                }
            }
            "exec" | "nohup" | "time" => at += 1,
            _ => return at,
        }
    }
}

/// Drop leading assignments (remembering any that name a binary) and replace a variable or a
/// path naming a binary by the binary's name.
fn resolve(
    mut words: Vec<String>,
    aliases: &mut HashMap<String, String>,
    binaries: &[&str],
) -> Vec<String> {
    let assignment = |w: &str| {
        w.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        })
    };
    let only_assignments = words.iter().all(|w| assignment(w) || w == "export");
    let leading = words.iter().take_while(|w| assignment(w)).count();
    if only_assignments {
        for word in &words {
            if let Some((name, value)) = word.split_once('=') {
                match binaries.iter().find(|b| is_binary(value, b)) {
                    Some(binary) => {
                        aliases.insert(name.to_string(), binary.to_string());
                    }
                    None => {
                        aliases.remove(name);
                    }
                }
            }
        }
        return Vec::new();
    }
    words.drain(..leading);
    let wrapper = wrapper_length(&words);
    words.drain(..wrapper);
    if let Some(first) = words.first_mut() {
        let variable = first
            .strip_prefix("${")
            .and_then(|v| v.strip_suffix('}'))
            .or_else(|| first.strip_prefix('$'));
        if let Some(binary) = variable.and_then(|v| aliases.get(v)) {
            *first = binary.clone();
        } else if let Some(binary) = binaries.iter().find(|b| is_binary(first, b)) {
            *first = binary.to_string();
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: &str = "\
Citizens Connect sync server

Usage: citizens-server [OPTIONS] [COMMAND]

Commands:
  serve    Serve devices (the default)
  enroll   Make a one-time enrolment code
  help     Print this message or the help of the given subcommand(s)

Options:
      --data-dir <DATA_DIR>  Folder for the server's database; see also --made-up-in-words
  -h, --help                 Print help
";

    const ENROLL: &str = "\
Make a one-time enrolment code

Usage: citizens-server enroll [OPTIONS] --role <ROLE>

Options:
      --data-dir <DATA_DIR>
          Folder for the server's database
      --role <ROLE>
          volunteer or coordinator
      --expires[=<EXPIRES>]
          How long
      --json
          Print JSON
  -h, --help
          Print help
";

    fn helps() -> HelpCache<impl FnMut(&[String]) -> Result<String, String>> {
        HelpCache::new(|path: &[String]| match path {
            [] => Ok(TOP.to_string()),
            [one] if one == "enroll" => Ok(ENROLL.to_string()),
            [one] if one == "serve" => Ok("Usage: x\n\nOptions:\n  -h, --help  Help\n".into()),
            other => Err(format!(
                "error: unrecognized subcommand '{}'",
                other.join(" ")
            )),
        })
    }

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn a_help_text_gives_its_subcommands_and_options() {
        let top = parse_help(TOP);
        assert_eq!(top.subcommands, words(&["serve", "enroll", "help"]));
        assert_eq!(top.options.get("--data-dir"), Some(&true));
        assert_eq!(top.options.get("-h"), Some(&false));
        assert_eq!(top.options.get("--help"), Some(&false));
        // A flag named in a description is not an option.
        assert_eq!(top.options.get("--made-up-in-words"), None);
        let enroll = parse_help(ENROLL);
        assert!(enroll.subcommands.is_empty());
        assert_eq!(enroll.options.get("--role"), Some(&true));
        assert_eq!(enroll.options.get("--expires"), Some(&false));
        assert_eq!(enroll.options.get("--json"), Some(&false));
    }

    #[test]
    fn a_command_the_help_knows_passes() {
        let mut helps = helps();
        for ok in [
            "--data-dir /tmp/s enroll --role volunteer --expires=7d --json",
            "enroll --data-dir /tmp/s --role coordinator",
            "serve",
            "",
            "-h",
        ] {
            assert_eq!(
                check_args("citizens-server", &args(ok), &mut helps),
                Ok(()),
                "{ok}"
            );
        }
    }

    #[test]
    fn a_flag_the_help_does_not_list_fails() {
        let mut helps = helps();
        let err = check_args(
            "citizens-server",
            &args("--data-dir /tmp/s enroll --role volunteer --org Kano"),
            &mut helps,
        )
        .expect_err("--org is not in the made-up help");
        assert!(
            err.contains("--org is not an option of `citizens-server enroll`"),
            "{err}"
        );
        // A flag of the subcommand given before it is checked against the parent.
        let err = check_args("citizens-server", &args("--role x enroll"), &mut helps)
            .expect_err("--role belongs to enroll");
        assert!(err.contains("`citizens-server`"), "{err}");
        // Named only in a description: still missing.
        assert!(check_args("citizens-server", &args("--made-up-in-words"), &mut helps).is_err());
    }

    #[test]
    fn a_subcommand_that_does_not_exist_fails() {
        let mut helps = helps();
        let err = check_args("citizens-server", &args("--data-dir /x enrol"), &mut helps)
            .expect_err("enrol is misspelt");
        assert!(err.contains("`enrol` is not a subcommand"), "{err}");
        // A value of an option is not taken for a subcommand.
        assert_eq!(
            check_args("citizens-server", &args("--data-dir serve"), &mut helps),
            Ok(())
        );
    }

    #[test]
    fn a_subcommand_whose_help_fails_fails() {
        let mut asked = 0;
        let mut helps = HelpCache::new(|path: &[String]| {
            asked += 1;
            match path {
                [] => Ok("Commands:\n  gone  It was\n".into()),
                _ => Err("exit status 2".into()),
            }
        });
        assert!(check_args("x", &args("gone"), &mut helps).is_err());
        assert!(check_args("x", &args("gone"), &mut helps).is_err());
        drop(helps);
        assert_eq!(asked, 2, "each path is asked once");
    }

    #[test]
    fn commands_are_found_in_shell_blocks_only() {
        let md = "\
Prose with `citizens bogus --x` is not checked.

```sh
export CITIZENS_DATA_DIR=/tmp/kano CITIZENS_PASSPHRASE='a long passphrase'
C=target/release/citizens
S=$($C --json session add --title \"Tarauni town hall\" \\
      --state Kano | jq -r .id)   # the id
$C session attend $S --total 140   # comment --not-a-flag
CITIZENS_CLOCK_SHIFT_DAYS=60 $C home
bash scripts/start.sh     # sets up
eval \"$(bash scripts/postgres.sh start /tmp/cc-pg)\"
citizens-server --data-dir /tmp/server serve --listen 127.0.0.1:8420 &
target/release/citizens-server migrate 2>&1 > out.log
cargo run -p citizens-cli -- grievance list
sudo runuser -u citizens-server -- citizens-server --config /etc/c.toml devices list
sudo -u musa env CITIZENS_DATA_DIR=/x $C home
```

```toml
citizens = \"not a command\"
```

```console
$ citizens home
Nothing to do
```
";
        let found: Vec<(usize, Vec<String>)> =
            commands("README.md", md, &["citizens", "citizens-server"])
                .into_iter()
                .map(|s| (s.line, s.words))
                .collect();
        let expect = |line: usize, list: &[&str]| (line, words(list));
        assert_eq!(
            found,
            vec![
                expect(
                    6,
                    &[
                        "citizens",
                        "--json",
                        "session",
                        "add",
                        "--title",
                        "Tarauni town hall",
                        "--state",
                        "Kano"
                    ]
                ),
                expect(6, &["jq", "-r", ".id"]),
                expect(
                    8,
                    &["citizens", "session", "attend", "$S", "--total", "140"]
                ),
                expect(9, &["citizens", "home"]),
                expect(10, &["bash", "scripts/start.sh"]),
                expect(11, &["eval", "SUBSTITUTED"]),
                expect(11, &["bash", "scripts/postgres.sh", "start", "/tmp/cc-pg"]),
                expect(
                    12,
                    &[
                        "citizens-server",
                        "--data-dir",
                        "/tmp/server",
                        "serve",
                        "--listen",
                        "127.0.0.1:8420"
                    ]
                ),
                expect(13, &["citizens-server", "migrate"]),
                expect(
                    14,
                    &[
                        "cargo",
                        "run",
                        "-p",
                        "citizens-cli",
                        "--",
                        "grievance",
                        "list"
                    ]
                ),
                expect(
                    15,
                    &[
                        "citizens-server",
                        "--config",
                        "/etc/c.toml",
                        "devices",
                        "list"
                    ]
                ),
                expect(16, &["citizens", "home"]),
                expect(24, &["citizens", "home"]),
            ]
        );
    }

    #[test]
    fn cargo_run_and_scripts_are_recognised() {
        let cli = Binary {
            name: "citizens".into(),
            package: "citizens-cli".into(),
            exe: PathBuf::from("/nowhere"),
        };
        let w = |s: &str| args(s);
        assert_eq!(
            arguments_for(&w("cargo run -p citizens-cli -- home --json"), &cli),
            Some(w("home --json"))
        );
        assert_eq!(
            arguments_for(&w("cargo run --package=citizens-cli --bin citizens"), &cli),
            Some(vec![])
        );
        assert_eq!(
            arguments_for(&w("cargo run -p citizens-server -- serve"), &cli),
            None
        );
        assert_eq!(
            arguments_for(&w("target/release/citizens-server serve"), &cli),
            None
        );
        assert_eq!(arguments_for(&w("./citizens home"), &cli), Some(w("home")));
        assert_eq!(
            script_of(&w("bash scripts/test.sh")),
            Some("scripts/test.sh".into())
        );
        assert_eq!(
            script_of(&w("./scripts/bench.sh")),
            Some("scripts/bench.sh".into())
        );
        assert_eq!(script_of(&w("bash other.sh")), None);
    }

    #[test]
    fn a_broken_doc_is_reported_with_its_line() {
        let root = std::env::temp_dir().join(format!("docs-check-{}", std::process::id()));
        std::fs::create_dir_all(root.join("docs")).expect("temp docs");
        std::fs::write(
            root.join("README.md"),
            "# x\n\n```sh\nbash scripts/missing.sh\ncitizens-server enroll --role volunteer --org X\n```\n",
        )
        .expect("write README");
        std::fs::write(
            root.join("docs/guide.md"),
            "```bash\ncitizens-server serve\n```\n",
        )
        .expect("write guide");
        // A help that knows enroll without --org, as if the flag had been renamed.
        std::fs::write(root.join("top.txt"), TOP).expect("write help");
        std::fs::write(root.join("enroll.txt"), ENROLL).expect("write help");
        let script = root.join("fake-server.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nd='{}'\ncase \"$1\" in\n  --help) cat \"$d/top.txt\";;\n  enroll) cat \"$d/enroll.txt\";;\n  serve) printf 'Options:\\n  -h, --help  Help\\n';;\n  *) exit 2;;\nesac\n",
                root.display()
            ),
        )
        .expect("write fake");
        let status = Command::new("chmod").arg("+x").arg(&script).status();
        assert!(status.is_ok_and(|s| s.success()));
        let report = check(
            &root,
            &Binary {
                name: "citizens-server".into(),
                package: "citizens-server".into(),
                exe: script,
            },
        );
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(report.binary_commands, 2);
        assert_eq!(report.scripts, 1);
        assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
        assert!(
            report.problems[0].starts_with("README.md:4: "),
            "{:?}",
            report.problems
        );
        assert!(report.problems[0].contains("there is no scripts/missing.sh"));
        assert!(
            report.problems[1].starts_with("README.md:5: "),
            "{:?}",
            report.problems
        );
        assert!(report.problems[1].contains("--org is not an option"));
    }
}
