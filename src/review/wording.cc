// In progress (issue 3): see wording.h / docs/modules/review.md.
