"""The scenario's questions in plain words, shared by `followup ask` (the terminal) and `followup
serve` (the web form): each question, why it matters, and words for the vocabulary's values.
The allowed values themselves come from the rules' vocabulary (a house rule set that adds
`company.culture: nonprofit` gets it offered here too, shown as its own word). Pure data, in core
so that both front ends, which may not import each other, read the same words."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Question:
    text: str
    why: str
    labels: dict[str, str] = field(default_factory=dict)  # value -> words shown for it


# The scenario's enumerated fields, in the order they are asked. "not sure" leaves a field to its
# default (the vocabulary's `unknown`, `normal`), so `unknown` itself is not offered.
CONTEXT: dict[str, Question] = {
    "company.culture": Question(
        "What is the company's culture like?",
        "a startup tends to welcome a second follow-up; a traditional firm prefers restraint",
        {"startup": "a startup, informal and fast", "traditional": "traditional, established and formal"},
    ),
    "company.size": Question(
        "How big is the company?",
        "with a small company one more follow-up is more acceptable than with a large one",
        {"small": "small", "medium": "medium-sized", "large": "large, a corporation"},
    ),
    "interview.format": Question(
        "How formal was the interview?",
        "after an informal interview a second follow-up is more acceptable",
        {"informal": "informal, a conversation", "formal": "formal, a structured interview"},
    ),
    "interview.medium": Question(
        "How was the interview held?",
        "some rules weigh how you met",
        {"onsite": "in person", "video": "by video call", "phone": "by phone"},
    ),
    "position.level": Question(
        "What level is the role?",
        "for a senior role a second follow-up reads as determination; for an entry role, as too much",
        {"entry": "entry level", "mid": "mid level", "senior": "senior", "executive": "executive"},
    ),
    "contact.interviewer_channel": Question(
        "How has the interviewer mostly been in touch with you?",
        "follow up the way they reach you: email if they email, a call if they phone",
        {"email": "by email", "phone": "by phone", "linkedin": "on LinkedIn", "letter": "by letter"},
    ),
    "contact.rapport": Question(
        "How well did you get on with the interviewer?",
        "after an especially good conversation a handwritten note or a LinkedIn message suits the thank-you",
        {"normal": "fine, as usual", "strong": "especially well"},
    ),
}
NOT_SURE = "not sure"
HIDDEN = ("unknown",)  # values that mean "not sure": offered as that

CHANNEL = Question(
    "How did you send it?",
    "the next message can take the same way",
    CONTEXT["contact.interviewer_channel"].labels,
)
OUTCOME = Question(
    "What did they say?",
    "a reply that they are still deciding holds the next message; an offer or a no ends the sequence",
    {"pending": "they are still deciding", "offer": "they made an offer", "rejected": "they said no"},
)
KINDS = {
    "thank_you": "the thank-you note",
    "follow_up": "a follow-up about the status",
    "reply": "their reply",
}

INTERVIEW_DATE = Question("When was the interview?", "every date in the advice counts from the interview day")
COMPANY = Question("What is the company called?", "it goes into your message and the reminder")
TITLE = Question("What is the role called?", "it goes into your message")
INTERVIEWER = Question("Who interviewed you (their name)?", "your message is addressed to them")
CANDIDATE = Question("Your own name, to sign the message?", "it goes under your message")
TOPIC = Question(
    "A point you discussed in the interview?",
    "mentioning one makes the message personal, not a form letter",
)
THANK_YOU = Question("Have you sent a thank-you note since the interview?", "it is the first of the messages")
THANK_YOU_DAY = Question("When did you send it?", "the next message is timed from it")
FOLLOW_UP = Question(
    "Have you sent a follow-up asking about the status?", "the advice counts the follow-ups already sent"
)
ANOTHER = Question(
    "Have you sent another status follow-up after that one?", "two is the most the guidance allows"
)
FOLLOW_UP_DAY = Question("When did you send it?", "the next one is spaced from it")
REPLY = Question("Have they replied since?", "a reply changes what comes next")
REPLY_DAY = Question("When did they reply?", "a recent 'still deciding' is a reason to wait")
DECISION = Question(
    "Did they say by when they would decide or get back to you?",
    "contacting them before that day looks impatient",
)
DECISION_DAY = Question("By which day?", "the advice waits for it")
HOLD = Question(
    "Did they say not to follow up before some day (or that you may follow up from a day)?",
    "before that day a message does more harm than good",
)
HOLD_DAY = Question("From which day?", "the advice waits for it")
