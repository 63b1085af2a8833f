"""Response playbooks: templates, activations, tasks, the timeline, roll-calls, reviews."""
