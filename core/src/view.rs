//! View models and forms exchanged between the app shell and the UI over IPC.
//!
//! These are wire types between `src-tauri` (which builds them from the local store) and `ui` (which
//! renders them): they carry only what a screen shows, already decided, so the UI holds no business
//! rules. Forms go the other way, as typed but unvalidated input; the shell validates them with
//! `together-core`'s domain rules and answers a sentence when something is wrong.

mod app;
mod forms;
mod premium;
mod questions;
mod quizzes;
mod records;
mod today;
mod usage;
mod words;

pub use app::{
    AccountSummary, AddonView, AppOverview, IdeasView, InviteView, PlanView, PremiumView,
    ProfileSummary, SyncState, SyncStatus, set_aside_note,
};
pub use forms::{
    AccountForm, ActivityForm, CheckinForm, DateForm, GoalForm, LogForm, LoginForm, PingForm,
    ProfileForm, RelationshipDatesForm, RelationshipForm,
};
pub use premium::{FREE_STAYS, PREMIUM_UNLOCKS, quiz_round_needs_premium};
pub use questions::{PackView, QuestionView, ReactionForm, ReactionView};
pub use quizzes::{KnowMeRoundView, KnowMeScore, QuizBoard, RoundState, ThisOrThatView};
pub use records::{
    AchievementView, ActivityView, ChallengeView, CheckinView, DEFAULT_HISTORY_DAYS, DateView,
    DayPoint, FREE_HISTORY_DAYS, GoalView, HISTORY_WINDOWS, HeatDay, HistoryView, LogView,
    NotificationView, ParticipationView, Scores, history_needs_premium,
};
pub use today::{GestureIdea, PartnerToday, TodayView};
pub use usage::{
    NamedCount, USAGE_SHARING_SENTENCE, USAGE_SUMMARY_DAYS, UsageScreen, UsageSummary,
};
pub use words::{counted, health_score_explained};
