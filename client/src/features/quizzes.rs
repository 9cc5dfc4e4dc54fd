//! Partner quizzes. "How well do you know me": one partner starts a round about themself and
//! answers it; the other guesses; both see the answer and the guess once both exist (the reveal
//! rule, applied here in the read API), and the running score counts right guesses. "This or
//! that": the couple's pairs of the day (the same on both devices); each picks; matches show once
//! both picked. Everything works offline on each side and merges: each partner writes only their
//! own records (`together_core::document::quizzes`). Catalogues and picks: `together_core::quizzes`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use together_core::document::{self as doc, DocAddress, KNOW_ME, KnowMeWrite, THIS_OR_THAT};
use together_core::domain::InvalidInput;
use together_core::ids::{RecordId, RelationshipId, UserId};
use together_core::quizzes;
use together_core::view::{
    KnowMeRoundView, KnowMeScore, QuizBoard, RoundState, ThisOrThatView, quiz_round_needs_premium,
};

use crate::error::{Result, StoreError};
use crate::profile::{local_day, require_user};
use crate::relationship::{display_name, partner_of, require_relationship};
use crate::store::write::WriteTx;
use crate::store::{Store, rows};

/// One row of `quiz_answers`.
#[derive(Debug, Clone)]
struct Row {
    round: String,
    item: String,
    subject: Option<String>,
    user: String,
    choice: Option<i64>,
    created_at: String,
}

fn quiz_rows(conn: &rusqlite::Connection, relationship: &str, kind: &str) -> Result<Vec<Row>> {
    rows(
        conn,
        "SELECT round_id, item_id, subject_id, user_id, choice, created_at FROM quiz_answers
         WHERE relationship_id = ?1 AND kind = ?2 ORDER BY created_at, id",
        (relationship, kind),
        |r| {
            Ok(Row {
                round: r.get(0)?,
                item: r.get(1)?,
                subject: r.get(2)?,
                user: r.get(3)?,
                choice: r.get(4)?,
                created_at: r.get(5)?,
            })
        },
    )
}

/// The series year a round's records go in: the year it started.
fn year_of(created_at: &str) -> Option<i16> {
    created_at.get(..4).and_then(|y| y.parse().ok())
}

fn refused(text: &str) -> StoreError {
    InvalidInput::Inconsistent(text.to_owned()).into()
}

// Reads.

impl Store {
    /// The "know me" rounds of the current relationship, newest first, with the reveal rule.
    pub fn know_me_rounds(&self) -> Result<Vec<KnowMeRoundView>> {
        let (Some(me), Some(relationship)) = (self.local_user()?, self.current_relationship()?)
        else {
            return Ok(Vec::new());
        };
        let me = me.to_string();
        let mut rounds: BTreeMap<String, Vec<Row>> = BTreeMap::new();
        for row in quiz_rows(self.conn(), &relationship.to_string(), KNOW_ME)? {
            rounds.entry(row.round.clone()).or_default().push(row);
        }
        let mut views = Vec::new();
        for (round, rows) in rounds {
            // The subject's own record opens the round; a guess alone (its record not here yet)
            // still shows, from what the guess names.
            let Some(first) = rows.first() else { continue };
            let Some(subject) = first.subject.clone() else {
                continue;
            };
            let Some(item) = quizzes::know_me_item(&first.item) else {
                continue; // An item of a newer catalogue: shown once this app knows it.
            };
            let truth = rows
                .iter()
                .find(|r| r.user == subject)
                .and_then(|r| r.choice);
            let guess = rows
                .iter()
                .find(|r| r.user != subject)
                .and_then(|r| r.choice);
            let about_me = subject == me;
            let (mine, theirs) = if about_me {
                (truth, guess)
            } else {
                (guess, truth)
            };
            let revealed = truth.is_some() && guess.is_some();
            let started_at = rows
                .iter()
                .map(|r| r.created_at.clone())
                .min()
                .unwrap_or_default();
            views.push(KnowMeRoundView {
                round_id: round,
                item_id: item.id.to_owned(),
                prompt: item.prompt.to_owned(),
                choices: item.choices.iter().map(|c| (*c).to_owned()).collect(),
                about_me,
                subject_name: match subject.parse::<UserId>() {
                    Ok(user) => display_name(self.conn(), user)?,
                    Err(_) => "Your partner".to_owned(),
                },
                my_choice: mine,
                partner_choice: if revealed { theirs } else { None },
                state: match (mine, revealed) {
                    (_, true) => RoundState::Revealed,
                    (Some(_), false) => RoundState::WaitingForPartner,
                    (None, false) => RoundState::YourTurn,
                },
                correct: revealed.then(|| truth == guess),
                started_at,
            });
        }
        views.sort_by(|a, b| b.started_at.cmp(&a.started_at));
        Ok(views)
    }

    /// The couple's running "know me" score (revealed rounds only).
    pub fn know_me_score(&self) -> Result<KnowMeScore> {
        let mut score = KnowMeScore::default();
        for round in self.know_me_rounds()? {
            let Some(right) = round.correct else { continue };
            // The person guessed the rounds about their partner.
            if round.about_me {
                score.partner_guesses += 1;
                score.partner_right += i64::from(right);
            } else {
                score.my_guesses += 1;
                score.my_right += i64::from(right);
            }
        }
        Ok(score)
    }

    /// The couple's "this or that" pairs of the person's day, with the reveal rule.
    pub fn this_or_that_today(&self, now: Timestamp) -> Result<Vec<ThisOrThatView>> {
        let (Some(me), Some(relationship)) = (self.local_user()?, self.current_relationship()?)
        else {
            return Ok(Vec::new());
        };
        let today = self.local_today(now)?;
        let me = me.to_string();
        let day = today.to_string();
        let picks: Vec<Row> = quiz_rows(self.conn(), &relationship.to_string(), THIS_OR_THAT)?
            .into_iter()
            .filter(|r| r.round == day)
            .collect();
        Ok(quizzes::pairs_for_day(&relationship.to_string(), today)
            .into_iter()
            .map(|pair| {
                let of = |mine: bool| {
                    picks
                        .iter()
                        .find(|r| r.item == pair.id && (r.user == me) == mine)
                        .and_then(|r| r.choice)
                };
                let (my_pick, partner) = (of(true), of(false));
                let partner_pick = my_pick.and(partner);
                ThisOrThatView {
                    pair_id: pair.id.to_owned(),
                    this: pair.this.to_owned(),
                    that: pair.that.to_owned(),
                    my_pick,
                    partner_pick,
                    matched: my_pick.zip(partner_pick).map(|(a, b)| a == b),
                }
            })
            .collect())
    }
}

/// One "this or that" pick of any day, for the export: the partner's side only where the person
/// picked that pair that day too (the reveal rule).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PickRecord {
    /// The person's day, `YYYY-MM-DD`.
    pub date: String,
    /// The pair (`tt-004`).
    pub pair_id: String,
    /// Its two sides, when this app knows the pair.
    pub this: Option<String>,
    /// The second side.
    pub that: Option<String>,
    /// 0 = this, 1 = that.
    pub my_pick: i64,
    /// The partner's pick of that pair that day, if any.
    pub partner_pick: Option<i64>,
}

impl Store {
    /// The Quizzes screen: every open round and the revealed ones the access allows (`premium`:
    /// all; otherwise those of the free window, `together_core::view::quiz_round_needs_premium`),
    /// the running score over every round, and the day's pairs.
    pub fn quiz_board(&self, now: Timestamp, premium: bool) -> Result<QuizBoard> {
        let mut rounds = self.know_me_rounds()?;
        let before = rounds.len();
        if !premium {
            rounds.retain(|r| {
                let started = r.started_at.parse::<Timestamp>().ok();
                r.state != RoundState::Revealed
                    || !started.is_some_and(|s| quiz_round_needs_premium(s, now))
            });
        }
        let has_partner = match (self.local_user()?, self.current_relationship()?) {
            (Some(me), Some(relationship)) => partner_of(self.conn(), relationship, me)?.is_some(),
            _ => false,
        };
        Ok(QuizBoard {
            older_rounds_hidden: before - rounds.len(),
            rounds,
            score: self.know_me_score()?,
            this_or_that: self.this_or_that_today(now)?,
            has_partner,
        })
    }

    /// Every "this or that" pick of the person in the current relationship, newest day first.
    pub fn this_or_that_picks(&self) -> Result<Vec<PickRecord>> {
        let (Some(me), Some(relationship)) = (self.local_user()?, self.current_relationship()?)
        else {
            return Ok(Vec::new());
        };
        let me = me.to_string();
        let all = quiz_rows(self.conn(), &relationship.to_string(), THIS_OR_THAT)?;
        let mut picks: Vec<PickRecord> = all
            .iter()
            .filter(|r| r.user == me)
            .filter_map(|mine| {
                let pair = quizzes::pair(&mine.item);
                Some(PickRecord {
                    date: mine.round.clone(),
                    pair_id: mine.item.clone(),
                    this: pair.map(|p| p.this.to_owned()),
                    that: pair.map(|p| p.that.to_owned()),
                    my_pick: mine.choice?,
                    partner_pick: all
                        .iter()
                        .find(|r| r.user != me && r.round == mine.round && r.item == mine.item)
                        .and_then(|r| r.choice),
                })
            })
            .collect();
        picks.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.pair_id.cmp(&b.pair_id)));
        Ok(picks)
    }
}

// Actions.

/// The partner, or the sentence saying a quiz needs one.
fn require_partner(tx: &WriteTx<'_>, relationship: RelationshipId, me: UserId) -> Result<UserId> {
    partner_of(tx.conn, relationship, me)?.ok_or_else(|| {
        StoreError::Missing("quizzes are played with your partner: invite them first".into())
    })
}

impl Store {
    /// Starts a "know me" round about the local person: the next catalogue item for them (see
    /// `together_core::quizzes::next_know_me_item`). They answer it with [`Store::answer_know_me`].
    pub fn start_know_me_round(&mut self, now: Timestamp) -> Result<KnowMeRoundView> {
        let round = RecordId::generate(now, &mut rand::rng()).to_string();
        self.write_local(now, |tx| {
            let me = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            require_partner(tx, relationship, me)?;
            let asked: Vec<String> = quiz_rows(tx.conn, &relationship.to_string(), KNOW_ME)?
                .into_iter()
                .filter(|r| {
                    r.user == me.to_string() && r.subject.as_deref() == Some(&me.to_string())
                })
                .map(|r| r.item)
                .collect();
            let item =
                quizzes::next_know_me_item(&relationship.to_string(), &me.to_string(), &asked)
                    .ok_or_else(|| refused("the quiz catalogue is empty"))?;
            let year = local_day(tx.conn, Some(me), now)?.year();
            tx.change(DocAddress::Series(relationship, year), |d| {
                doc::put_know_me(
                    d,
                    relationship,
                    &KnowMeWrite {
                        round: &round,
                        item: item.id,
                        subject: me,
                        writer: me,
                        choice: None,
                    },
                    now,
                )
            })
        })?;
        self.know_me_round(&round)
    }

    /// Answers a "know me" round: about oneself (the true answer) or about the partner (a guess);
    /// `choice` 0–3. Changeable until both sides are in, then final.
    pub fn answer_know_me(
        &mut self,
        round: &str,
        choice: i64,
        now: Timestamp,
    ) -> Result<KnowMeRoundView> {
        if !(0..=3).contains(&choice) {
            return Err(refused("choose one of the four answers (1 to 4)"));
        }
        self.write_local(now, |tx| {
            let me = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let rows: Vec<Row> = quiz_rows(tx.conn, &relationship.to_string(), KNOW_ME)?
                .into_iter()
                .filter(|r| r.round == round)
                .collect();
            let first = rows.first().ok_or_else(|| StoreError::NotFound {
                what: "quiz round",
                id: round.to_owned(),
            })?;
            let subject: UserId = first
                .subject
                .as_deref()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| StoreError::Damaged(format!("quiz round {round} names no one")))?;
            let both_in = rows.iter().filter(|r| r.choice.is_some()).count() >= 2;
            if both_in {
                return Err(refused("this round is revealed already: start a new one"));
            }
            if subject != me {
                require_partner(tx, relationship, me)?;
            }
            let year = year_of(&first.created_at).ok_or_else(|| {
                StoreError::Damaged(format!("quiz round {round} has no readable start"))
            })?;
            let item = first.item.clone();
            tx.change(DocAddress::Series(relationship, year), |d| {
                doc::put_know_me(
                    d,
                    relationship,
                    &KnowMeWrite {
                        round,
                        item: &item,
                        subject,
                        writer: me,
                        choice: Some(choice),
                    },
                    now,
                )
            })?;
            crate::usage::record(
                tx,
                me,
                Some(relationship),
                crate::usage::UsageEvent::QuizAnswered,
                crate::usage::EventData::default(),
            )
        })?;
        self.know_me_round(round)
    }

    fn know_me_round(&self, round: &str) -> Result<KnowMeRoundView> {
        self.know_me_rounds()?
            .into_iter()
            .find(|r| r.round_id == round)
            .ok_or_else(|| StoreError::NotFound {
                what: "quiz round",
                id: round.to_owned(),
            })
    }

    /// Picks a side (0 = this, 1 = that) of one of today's "this or that" pairs; changeable until
    /// the partner picked too.
    pub fn pick_this_or_that(
        &mut self,
        pair: &str,
        choice: i64,
        now: Timestamp,
    ) -> Result<Vec<ThisOrThatView>> {
        if !(0..=1).contains(&choice) {
            return Err(refused("pick this (a) or that (b)"));
        }
        let today: Vec<ThisOrThatView> = self.this_or_that_today(now)?;
        let Some(view) = today.iter().find(|v| v.pair_id == pair) else {
            return Err(refused(&format!(
                "{pair} is not one of today's pairs (together quiz this-or-that lists them)"
            )));
        };
        if view.matched.is_some() {
            return Err(refused("you both picked this one already"));
        }
        self.write_local(now, |tx| {
            let me = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let day: Date = local_day(tx.conn, Some(me), now)?;
            tx.change(DocAddress::Series(relationship, day.year()), |d| {
                doc::put_this_or_that(d, relationship, day, pair, me, choice, now)
            })?;
            crate::usage::record(
                tx,
                me,
                Some(relationship),
                crate::usage::UsageEvent::QuizAnswered,
                crate::usage::EventData::default(),
            )
        })?;
        self.this_or_that_today(now)
    }
}

// Screen operations.

/// The Quizzes screen as this device's access allows.
pub fn board(store: &Store, now: Timestamp) -> Result<QuizBoard> {
    store.quiz_board(now, store.is_premium(now)?)
}

/// The Quizzes screen's "New round": a round about the person, and the screen.
pub fn start(store: &mut Store, now: Timestamp) -> Result<QuizBoard> {
    store.start_know_me_round(now)?;
    board(store, now)
}

/// The Quizzes screen's answer or guess (`choice` 0–3), and the screen.
pub fn answer(store: &mut Store, round: &str, choice: i64, now: Timestamp) -> Result<QuizBoard> {
    store.answer_know_me(round, choice, now)?;
    board(store, now)
}

/// The Quizzes screen's pick of a "this or that" pair (0 = this, 1 = that), and the screen.
pub fn pick(store: &mut Store, pair: &str, choice: i64, now: Timestamp) -> Result<QuizBoard> {
    store.pick_this_or_that(pair, choice, now)?;
    board(store, now)
}
