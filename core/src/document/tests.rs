//! Stories of two partners' devices editing documents apart and merging.

use automerge::ActorId;
use jiff::Timestamp;
use jiff::civil::date;

use super::*;
use crate::domain::{ActivityType, GoalType, PrivacyLevel, Rating, RelationshipType, Score};
use crate::ids::{RecordId, RelationshipId, UserId};

fn uid(n: u128) -> UserId {
    UserId::from_uuid(uuid::Uuid::from_u128(n))
}

fn rid() -> RelationshipId {
    RelationshipId::from_uuid(uuid::Uuid::from_u128(0xAB))
}

fn actor(n: u8) -> ActorId {
    ActorId::from(vec![n; 16])
}

fn now() -> Timestamp {
    "2026-11-25T08:00:00Z".parse().unwrap()
}

fn sync(a: &mut Document, b: &mut Document) {
    let a_bytes = a.save();
    let b_bytes = b.save();
    a.merge_bytes(&b_bytes).unwrap();
    b.merge_bytes(&a_bytes).unwrap();
}

fn checkin(day: jiff::civil::Date, score: i64) -> CheckinInput {
    CheckinInput {
        date: day,
        connection: Score::new("connection", score).unwrap(),
        mood: Score::new("mood", score).unwrap(),
        satisfaction: Score::new("satisfaction", score).unwrap(),
        note: Some("the walk by the river".into()),
    }
}

#[test]
fn genesis_is_identical_on_every_device() {
    let address = DocAddress::Series(rid(), 2026);
    let mut a = Document::genesis(address, &actor(1)).unwrap();
    let mut b = Document::genesis(address, &actor(2)).unwrap();
    assert_eq!(a.heads(), b.heads());
    assert_eq!(a.save(), b.save());
}

#[test]
fn year_documents_created_apart_keep_both_partners_checkins() {
    let address = DocAddress::Series(rid(), 2026);
    let (alice, bob) = (uid(1), uid(2));
    let mut a = Document::genesis(address, &actor(1)).unwrap();
    let mut b = Document::genesis(address, &actor(2)).unwrap();
    put_checkin(&mut a, alice, &checkin(date(2026, 1, 1), 8), now()).unwrap();
    a.commit(now());
    put_checkin(&mut b, bob, &checkin(date(2026, 1, 1), 6), now()).unwrap();
    b.commit(now());
    sync(&mut a, &mut b);
    assert_eq!(record_keys(&a, Collection::Checkins).len(), 2);
    assert_eq!(a.heads(), b.heads());
}

#[test]
fn a_second_checkin_the_same_day_edits_the_first() {
    let address = DocAddress::Series(rid(), 2026);
    let mut doc = Document::genesis(address, &actor(1)).unwrap();
    let first = put_checkin(&mut doc, uid(1), &checkin(date(2026, 3, 3), 4), now()).unwrap();
    let second = put_checkin(&mut doc, uid(1), &checkin(date(2026, 3, 3), 9), now()).unwrap();
    assert_eq!(first, second);
    let stored = Checkin::read(&doc, &first.to_string()).unwrap();
    assert_eq!(stored.connection, 9);
    assert_eq!(record_keys(&doc, Collection::Checkins).len(), 1);
}

#[test]
fn a_checkin_must_go_to_its_years_document() {
    let mut doc = Document::genesis(DocAddress::Series(rid(), 2025), &actor(1)).unwrap();
    let error = put_checkin(&mut doc, uid(1), &checkin(date(2026, 1, 1), 5), now()).unwrap_err();
    assert!(error.to_string().contains("2026"), "{error}");
}

fn relationship_doc() -> Document {
    let mut doc = Document::genesis(DocAddress::Relationship(rid()), &actor(1)).unwrap();
    let input = RelationshipInput {
        relationship_type: RelationshipType::Married,
        start_date: Some(date(2019, 6, 1)),
        anniversary_date: None,
        privacy_level: PrivacyLevel::Balanced,
    };
    create_relationship(&mut doc, rid(), uid(1), &input, now()).unwrap();
    doc.commit(now());
    doc
}

#[test]
fn concurrent_goal_increments_add_up() {
    let mut a = relationship_doc();
    let goal = RecordId::from_uuid(uuid::Uuid::from_u128(77));
    let input = GoalInput {
        name: "Cook together".into(),
        goal_type: GoalType::Habit,
        target_count: 10,
        start_date: None,
        target_date: None,
    };
    add_goal(&mut a, goal, &input, now()).unwrap();
    a.commit(now());
    let mut b = Document::load(*a.address(), &a.save(), &actor(2)).unwrap();
    progress_goal(&mut a, goal, 1).unwrap();
    a.commit(now());
    progress_goal(&mut b, goal, 1).unwrap();
    b.commit(now());
    sync(&mut a, &mut b);
    assert_eq!(Goal::read(&a, &goal.to_string()).unwrap().progress, 2);
    assert_eq!(Goal::read(&b, &goal.to_string()).unwrap().progress, 2);
}

#[test]
fn both_partners_ratings_survive_offline_edits() {
    let mut a = relationship_doc();
    let activity = RecordId::from_uuid(uuid::Uuid::from_u128(5));
    let input = ActivityInput {
        name: "Pottery class".into(),
        activity_type: ActivityType::Creative,
        planned_date: Some(now()),
        duration_minutes: Some(120),
        cost_cents: Some(8000),
    };
    add_activity(&mut a, activity, uid(1), &input, now()).unwrap();
    a.commit(now());
    let mut b = Document::load(*a.address(), &a.save(), &actor(2)).unwrap();
    rate_activity(&mut a, activity, uid(1), Rating::new(5).unwrap()).unwrap();
    a.commit(now());
    rate_activity(&mut b, activity, uid(2), Rating::new(3).unwrap()).unwrap();
    b.commit(now());
    sync(&mut a, &mut b);
    let ratings = Activity::read(&a, &activity.to_string()).unwrap().ratings;
    assert_eq!(ratings.get(&uid(1).to_string()), Some(&5));
    assert_eq!(ratings.get(&uid(2).to_string()), Some(&3));
}

#[test]
fn changed_since_names_exactly_the_touched_records() {
    let mut doc = relationship_doc();
    let before = doc.heads();
    let goal = RecordId::from_uuid(uuid::Uuid::from_u128(9));
    let input = GoalInput {
        name: "Save for Lisbon".into(),
        goal_type: GoalType::Financial,
        target_count: 12,
        start_date: None,
        target_date: None,
    };
    add_goal(&mut doc, goal, &input, now()).unwrap();
    doc.commit(now());
    let changed = doc.changed_since(&before);
    assert_eq!(
        changed.into_iter().collect::<Vec<_>>(),
        vec![RecordRef {
            collection: Collection::Goals,
            key: goal.to_string()
        }]
    );
    let before = doc.heads();
    progress_goal(&mut doc, goal, 3).unwrap();
    doc.commit(now());
    assert_eq!(doc.changed_since(&before).len(), 1);
}

#[test]
fn loading_checks_the_document_is_the_one_asked_for() {
    let mut doc = relationship_doc();
    let bytes = doc.save();
    let other = DocAddress::Relationship(RelationshipId::from_uuid(uuid::Uuid::from_u128(1)));
    let error = Document::load(other, &bytes, &actor(3)).unwrap_err();
    assert!(
        matches!(error, DocumentError::WrongDocument { .. }),
        "{error}"
    );
}

#[test]
fn addresses_round_trip_and_refuse_strangers() {
    for address in [
        DocAddress::Relationship(rid()),
        DocAddress::Series(rid(), 2031),
        DocAddress::User(uid(4)),
    ] {
        assert_eq!(address.doc_id().parse::<DocAddress>().unwrap(), address);
    }
    assert!("rel-nope".parse::<DocAddress>().is_err());
    assert!(format!("rel-{}-12", rid()).parse::<DocAddress>().is_err());
}

#[test]
fn every_collection_belongs_to_exactly_one_kind_and_round_trips_its_name() {
    let kinds = [DocKind::Relationship, DocKind::Series, DocKind::User];
    for collection in Collection::ALL {
        assert_eq!(Collection::from_name(collection.as_str()), Some(collection));
        let owners = kinds
            .iter()
            .filter(|k| k.collections().contains(&collection))
            .count();
        assert_eq!(owners, 1, "{collection:?}");
    }
}

#[test]
fn a_panic_inside_a_guarded_automerge_call_becomes_a_damaged_document() {
    // Automerge 0.12 panics on some malformed bytes; the guard around every call on outside bytes
    // turns the panic into an error, and lets Automerge's own errors through unchanged.
    let panicked: Result<()> = guarded(|| panic!("as Automerge does on some malformed chunks"));
    assert!(matches!(panicked, Err(DocumentError::Damaged)));
    assert_eq!(
        DocumentError::Damaged.to_string(),
        "this document is damaged and cannot be read"
    );
    let refused: Result<()> = guarded(|| Err(DocumentError::SchemaTooNew(9)));
    assert!(matches!(refused, Err(DocumentError::SchemaTooNew(9))));
    // Garbage that Automerge refuses with an error is still that error, not `Damaged`.
    let address = DocAddress::Relationship(rid());
    let garbage = Document::load(address, b"not an automerge document", &actor(1));
    assert!(matches!(garbage, Err(DocumentError::Automerge(_))));
}

#[test]
fn a_record_created_in_one_batch_reads_back_the_same_on_both_replicas_and_edits_in_place() {
    // A check-in is created with all its fields in one batch (`batch::write_record`); its second
    // save that day edits the same map in place (fields put or removed one by one). Both
    // replicas read the same record after each merge.
    let address = DocAddress::Series(rid(), 2026);
    let alice = uid(1);
    let mut a = Document::genesis(address, &actor(1)).unwrap();
    let mut b = Document::genesis(address, &actor(2)).unwrap();
    let day = date(2026, 3, 1);
    let id = put_checkin(&mut a, alice, &checkin(day, 7), now()).unwrap();
    a.commit(now());
    sync(&mut a, &mut b);
    let first = Checkin::read(&b, &id.to_string()).unwrap();
    assert_eq!(
        (first.connection, first.mood, first.satisfaction),
        (7, 7, 7)
    );
    assert_eq!(first.note.as_deref(), Some("the walk by the river"));
    assert_eq!(first.created_at, "2026-11-25T08:00:00.000Z");

    // Alice edits her check-in: the note goes away, created_at stays.
    let edited = CheckinInput {
        note: None,
        ..checkin(day, 9)
    };
    let later: Timestamp = "2026-11-25T09:00:00Z".parse().unwrap();
    put_checkin(&mut a, alice, &edited, later).unwrap();
    a.commit(later);
    sync(&mut a, &mut b);
    let on_a = Checkin::read(&a, &id.to_string()).unwrap();
    let on_b = Checkin::read(&b, &id.to_string()).unwrap();
    assert_eq!(on_a, on_b);
    assert_eq!((on_b.mood, on_b.note), (9, None));
    assert_eq!(on_b.created_at, first.created_at, "created_at is kept");
}
