// In progress (issue 3): see aggregate.h / docs/modules/review.md.
