"""
Changes to a live briefing, held until an editor publishes them (Wagtail's model: a
page's live version and its latest revision).

A published or scheduled briefing's rows (Briefing, Section, Citation) are what readers
see, and what search, feeds and e-mail are built from. Saving the newsroom's change form
for such a briefing stores what the form would have written in its `PendingChange`
instead, so nothing a reader can reach changes; an editor previews it, compares it with
the live rows and publishes it (`workflow.briefing_publish_changes`), or discards it.

- models: `PendingChange`, one per briefing at most;
- data: the change's JSON, and the unsaved briefing, sections and citations it stands for;
- workflow: save, submit, publish and discard, each checking the permission itself.
"""
