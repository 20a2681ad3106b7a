#!/usr/bin/env node
import '../dist/src/follow/main.js'
