"""A small discord.py bot whose command tree is built without logging in (the export recipe's fixture)."""

from __future__ import annotations

import discord
from discord import app_commands

client = discord.Client(intents=discord.Intents.none())
tree = app_commands.CommandTree(client)


# Contexts and install types are stated, so Discord fills in nothing the plan would then see as drift.
@tree.command(description="Roll dice")
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
@app_commands.allowed_installs(guilds=True, users=False)
@app_commands.describe(sides="Sides per die", count="How many dice", bonus="Added to the total")
@app_commands.choices(sides=[app_commands.Choice(name=f"d{n}", value=n) for n in (6, 20, 100)])
async def roll(
    interaction: discord.Interaction,
    sides: app_commands.Choice[int],
    count: app_commands.Range[int, 1, 10] = 1,
    bonus: app_commands.Range[float, -5.5, 5.5] = 0.0,
) -> None:
    await interaction.response.send_message("🎲")


clip = app_commands.Group(
    name="clip",
    description="Play and manage sound clips",
    allowed_contexts=app_commands.AppCommandContext(guild=True),
    allowed_installs=app_commands.AppInstallationType(guild=True),
)


@clip.command(description="Play a clip")
@app_commands.describe(name="Clip name")
async def play(interaction: discord.Interaction, name: app_commands.Range[str, 1, 64]) -> None:
    await interaction.response.send_message(name)


@play.autocomplete("name")
async def play_name(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=current, value=current)]


@clip.command(name="list", description="List clips")
@app_commands.describe(sort="Order")
async def list_clips(interaction: discord.Interaction, sort: str = "newest") -> None:
    await interaction.response.send_message(sort)


tree.add_command(clip)


@tree.context_menu(name="Save Clip")
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
@app_commands.allowed_installs(guilds=True, users=False)
async def save_clip(interaction: discord.Interaction, message: discord.Message) -> None:
    await interaction.response.send_message("saved", ephemeral=True)


@tree.context_menu(name="User Info")
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
@app_commands.allowed_installs(guilds=True, users=False)
async def user_info(interaction: discord.Interaction, user: discord.User) -> None:
    await interaction.response.send_message(str(user), ephemeral=True)


# Staging only: command-deploy's promote leaves it out of the global set.
@tree.command(description="Dump internal state (developers only)", extras={"developmentOnly": True})
@app_commands.default_permissions(manage_guild=True)
@app_commands.describe(verbose="Include everything")
async def debug(interaction: discord.Interaction, verbose: bool = False) -> None:
    await interaction.response.send_message("state", ephemeral=True)
