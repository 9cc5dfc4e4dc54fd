//! `together quiz ...`: the quizzes. `quiz love-languages` asks the 30 pairs one by one on the
//! terminal (or takes them all at once with `--answers`), sets the profile and explains the result.
//! Scoring and texts are `together_core::love_languages`'; this file only asks and prints.

use std::io::BufRead;

use anyhow::{Result, bail};
use serde_json::json;
use together_core::love_languages::{self as quiz, Choice, QuizResult};

use super::Cx;
use super::args::QuizCommand;

/// Runs one `quiz` subcommand.
pub(super) fn run(cx: &mut Cx, command: &QuizCommand) -> Result<()> {
    match command {
        QuizCommand::LoveLanguages { answers } => {
            let choices = match answers {
                Some(letters) => quiz::parse_choices(letters)?,
                None => ask_on_the_terminal()?,
            };
            let result = cx.store.take_love_language_quiz(&choices, cx.now)?;
            print_result(cx, &result)
        }
    }
}

/// Asks every pair on stderr and reads `a` or `b` lines from stdin (a script may pipe them).
fn ask_on_the_terminal() -> Result<Vec<Choice>> {
    let pairs = quiz::pairs();
    let mut lines = std::io::stdin().lock().lines();
    let mut choices = Vec::with_capacity(pairs.len());
    eprintln!("I feel most loved when my partner… (answer a or b; no answer is wrong)");
    for (number, pair) in pairs.iter().enumerate() {
        loop {
            eprintln!(
                "\n{}/{}\n  a) {}\n  b) {}",
                number + 1,
                pairs.len(),
                pair.first.text,
                pair.second.text
            );
            let Some(line) = lines.next().transpose()? else {
                bail!(
                    "the quiz stopped after {number} of {} answers: nothing was changed",
                    pairs.len()
                );
            };
            match quiz::parse_choices(&line).as_deref() {
                Ok([choice]) => {
                    choices.push(*choice);
                    break;
                }
                _ => eprintln!("answer a or b"),
            }
        }
    }
    Ok(choices)
}

fn print_result(cx: &Cx, result: &QuizResult) -> Result<()> {
    let readable = together_core::domain::LoveLanguage::label;
    let mut text = format!(
        "Your love language: {} ({} of {} choices)",
        readable(result.primary),
        result.tally.first().map_or(0, |t| t.chosen),
        quiz::pairs().len()
    );
    if let Some(secondary) = result.secondary {
        text.push_str(&format!("\nthen: {}", readable(secondary)));
    }
    text.push_str(&format!("\n\n{}", quiz::meaning(result.primary)));
    for tally in &result.tally {
        text.push_str(&format!(
            "\n  {:<22} {:>2}",
            readable(tally.language),
            tally.chosen
        ));
    }
    text.push_str("\n\nSaved on your profile; your partner sees it.");
    cx.out.ok(
        json!({
            "primary": result.primary,
            "secondary": result.secondary,
            "tally": result.tally,
            "meaning": quiz::meaning(result.primary),
        }),
        &text,
    )
}
