#!/usr/bin/env python3
"""Summarizes a Spark event log: each completed stage's name, tasks and wall seconds, longest first."""
import json
import sys

stages = []
with open(sys.argv[1]) as log:
    for line in log:
        event = json.loads(line)
        if event.get("Event") == "SparkListenerStageCompleted":
            info = event["Stage Info"]
            seconds = (info["Completion Time"] - info["Submission Time"]) / 1000
            stages.append((seconds, info["Stage ID"], info["Number of Tasks"], info["Stage Name"]))
total = sum(s[0] for s in stages)
print(f"{len(stages)} stages, {total:.1f} s summed (stages overlap when they run side by side)")
for seconds, stage, tasks, name in sorted(stages, reverse=True)[: int(sys.argv[2]) if len(sys.argv) > 2 else 12]:
    print(f"  stage {stage:3d}  {seconds:6.1f} s  {tasks:4d} tasks  {name}")
