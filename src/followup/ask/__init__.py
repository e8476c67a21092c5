"""`followup ask`: the advisor for someone who has never seen YAML. Questions one at a time in the
terminal (questions.py: the wording; prompts.py: one question, its choices and its checks;
dates.py: dates as people type them), then the answer, the drafted message and two offers: save
the answers as a scenario file and write the calendar reminder (session.py, save.py).
"""
