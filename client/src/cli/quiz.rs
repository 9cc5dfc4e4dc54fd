//! `together quiz ...`: the quizzes. `quiz love-languages` asks the 30 pairs one by one on the
//! terminal (or takes them all at once with `--answers`), sets the profile and explains the result.
//! Scoring and texts are `together_core::love_languages`'; this file only asks and prints.

use std::io::BufRead;

use anyhow::{Result, bail};
use serde_json::json;
use together_core::love_languages::{self as quiz, Choice, QuizResult};
use together_core::view::{KnowMeRoundView, RoundState, ThisOrThatView};

use super::Cx;
use super::args::{KnowMeCommand, QuizCommand, ThisOrThatCommand};

/// Runs one `quiz` subcommand.
pub(super) fn run(cx: &mut Cx, command: &QuizCommand) -> Result<()> {
    match command {
        QuizCommand::KnowMe(command) => know_me(cx, command),
        QuizCommand::ThisOrThat(ThisOrThatCommand::List) => {
            let today = cx.store.this_or_that_today(cx.now)?;
            pairs(cx, &today)
        }
        QuizCommand::ThisOrThat(ThisOrThatCommand::Pick { pair, side }) => {
            let choice = match side.trim().to_ascii_lowercase().as_str() {
                "a" | "this" => 0,
                "b" | "that" => 1,
                _ => bail!("pick a (this) or b (that), not {side:?}"),
            };
            let today = cx.store.pick_this_or_that(pair, choice, cx.now)?;
            pairs(cx, &today)
        }
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

/// `quiz know-me …`.
fn know_me(cx: &mut Cx, command: &KnowMeCommand) -> Result<()> {
    match command {
        KnowMeCommand::New => {
            let round = cx.store.start_know_me_round(cx.now)?;
            rounds(cx, std::slice::from_ref(&round))
        }
        KnowMeCommand::Answer { round, choice } => {
            if !(1..=4).contains(choice) {
                bail!("answer with 1, 2, 3 or 4, not {choice}");
            }
            let view = cx.store.answer_know_me(round, choice - 1, cx.now)?;
            rounds(cx, std::slice::from_ref(&view))
        }
        KnowMeCommand::List => {
            let all = cx.store.know_me_rounds()?;
            rounds(cx, &all)
        }
        KnowMeCommand::Score => {
            let s = cx.store.know_me_score()?;
            cx.out.ok(
                json!(s),
                &format!(
                    "you guessed {} of {} right; your partner {} of {}",
                    s.my_right, s.my_guesses, s.partner_right, s.partner_guesses
                ),
            )
        }
    }
}

fn rounds(cx: &Cx, views: &[KnowMeRoundView]) -> Result<()> {
    cx.out.list(views, |r| {
        let whose = if r.about_me {
            "about you".to_owned()
        } else {
            format!("guess {}", r.subject_name)
        };
        let state = match (r.state, r.correct) {
            (RoundState::YourTurn, _) => "your turn".to_owned(),
            (RoundState::WaitingForPartner, _) => "waiting for your partner".to_owned(),
            (RoundState::Revealed, Some(true)) => "revealed: right".to_owned(),
            (RoundState::Revealed, _) => "revealed: not quite".to_owned(),
        };
        let mut text = format!("{}  {whose}  ({state})\n  {}", r.round_id, r.prompt);
        for (index, choice) in r.choices.iter().enumerate() {
            let index = i64::try_from(index).unwrap_or(0);
            let mine = if r.my_choice == Some(index) {
                " <- you"
            } else {
                ""
            };
            let theirs = if r.partner_choice == Some(index) {
                " <- your partner"
            } else {
                ""
            };
            text.push_str(&format!("\n  {}) {choice}{mine}{theirs}", index + 1));
        }
        text
    })
}

fn pairs(cx: &Cx, views: &[ThisOrThatView]) -> Result<()> {
    cx.out.list(views, |p| {
        let side = |pick: Option<i64>| match pick {
            Some(0) => p.this.clone(),
            Some(_) => p.that.clone(),
            None => "-".to_owned(),
        };
        let matched = match p.matched {
            Some(true) => "  ✓ match",
            Some(false) => "  ✗",
            None => "",
        };
        format!(
            "{}  a) {} or b) {}   you: {}   partner: {}{matched}",
            p.pair_id,
            p.this,
            p.that,
            side(p.my_pick),
            side(p.partner_pick)
        )
    })
}
