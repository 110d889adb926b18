// In progress (issue 3): see lexicon.h / docs/modules/review.md.
