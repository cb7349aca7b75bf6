"""The Responses streaming protocol (OpenAI Responses and Open Responses): its JSON Schemas
(:mod:`.schemas`), its declarative tables (:mod:`.families`), the state machine that checks a
stream (:mod:`.lifecycle` and the sub-machines it drives), the consistency of texts along
deltas, done events, parts, items and the final response, and the fast lane for runs of deltas.
"""
