// In progress (issue 3): see matcher.h / docs/modules/review.md.
