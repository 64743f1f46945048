"""The warm pool of ready tenant schemas: cloned from the template ahead of time, claimed by sign-ups."""
