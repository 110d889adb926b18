// In progress (issue 3): see html.h / docs/modules/review.md.
